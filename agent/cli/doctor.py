"""`postwright doctor`: what is installed and reachable, as a table; exit 1 if a required part is missing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from agent.cli.context import settings_from
from agent.errors import ChecksFailed

if TYPE_CHECKING:
    from agent.config import Settings

NODE_MINIMUM = (18, 20, 1)  # sandbox/package.json "engines"


@dataclass(frozen=True)
class Check:
    """One row: what was looked at, whether it is there, whether postwright needs it."""

    name: str
    ok: bool
    required: bool
    detail: str
    fix: str = ""

    @property
    def status(self) -> str:
        if self.ok:
            return "ok"
        return "MISSING" if self.required else "absent"


def python_check() -> Check:
    """The interpreter itself."""
    version = ".".join(map(str, sys.version_info[:3]))
    return Check("python", sys.version_info >= (3, 11), True, f"{version} at {sys.executable}")


def packages_check() -> Check:
    """Every dependency postwright declares: installed in a fitting version, its modules importable."""
    from importlib import metadata
    from importlib.util import find_spec

    from packaging.requirements import Requirement

    modules: dict[str, list[str]] = {}
    for module, dists in metadata.packages_distributions().items():
        for dist in dists:
            modules.setdefault(dist.lower().replace("_", "-"), []).append(module)
    problems: list[str] = []
    count = 0
    for line in metadata.requires("postwright") or []:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        count += 1
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{req.name} not installed")
            continue
        if not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name} {version} (needs {req.specifier})")
        elif not any(find_spec(m) for m in modules.get(req.name.lower().replace("_", "-"), [])):
            problems.append(f"{req.name} not importable")
    detail = "; ".join(problems) if problems else f"all {count} dependencies importable"
    return Check("python packages", not problems, True, detail)


def _node_version(node: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10, check=False)
        return tuple(int(p) for p in out.stdout.strip().lstrip("v").split(".")[:3])
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def sandbox_checks(settings: Settings) -> list[Check]:
    """node, npm, newman and Prism; required when verification is on ([sandbox] enabled)."""
    from agent import wiring
    from agent.runner import sandbox

    needed = settings.sandbox.enabled
    rows: list[Check] = []
    node = shutil.which("node")
    version = _node_version(node) if node else None
    minimum = ".".join(map(str, NODE_MINIMUM))
    if version is None:
        rows.append(Check("node", False, needed, "not found", fix=f"install Node.js >= {minimum}"))
    else:
        shown = ".".join(map(str, version))
        ok = version >= NODE_MINIMUM
        rows.append(Check("node", ok, needed, f"{shown} at {node}", fix=f"install Node.js >= {minimum}"))
    npm = shutil.which("npm")
    rows.append(Check("npm", npm is not None, False, npm or "not found; only needed to install the sandbox"))
    folder = wiring.sandbox_dir(settings)
    modules = folder / "node_modules"
    for name, entry in (
        ("newman", modules / "newman" / "bin" / "newman.js"),
        ("prism", modules / "@stoplight" / "prism-cli" / "dist" / "index.js"),
    ):
        there = entry.is_file()
        detail = str(entry) if there else f"not in {folder}"
        rows.append(Check(name, there, needed, detail, fix=sandbox.USER_INSTALL))
    return rows


def netns_check() -> Check:
    """Network namespaces for verify's isolation (optional: without them the policy is the guard)."""
    from agent.runner.isolation import netns_available

    ok = netns_available()
    detail = "unshare --net works" if ok else "unavailable: needs unshare, ip and root or user namespaces"
    return Check("network namespaces", ok, False, detail)


def git_check(settings: Settings) -> Check:
    """git, needed to publish to a collections repository."""
    exe = shutil.which("git")
    return Check("git", exe is not None, settings.publish.repo is not None, exe or "not found")


def airflow_check(settings: Settings) -> Check | None:
    """Whether the configured Airflow answers (any HTTP status counts as reachable)."""
    url = settings.airflow.url
    if not url:
        return None
    import httpx

    from agent.urls import mask_url

    probe = url.rstrip("/") + "/api/v2/monitor/health"
    try:
        with httpx.Client(verify=settings.airflow.verify_tls, timeout=5.0) as client:
            status = client.get(probe).status_code
    except (httpx.HTTPError, ValueError) as exc:
        return Check("airflow", False, True, f"{mask_url(url)} unreachable: {type(exc).__name__}")
    return Check("airflow", True, True, f"{mask_url(url)} answered HTTP {status}")


def command(ctx: typer.Context) -> None:
    """Report what postwright needs and finds (Python packages, Node, newman, Prism, namespaces, Airflow)."""
    from rich.console import Console
    from rich.table import Table

    settings = settings_from(ctx)
    rows = [python_check(), packages_check(), *sandbox_checks(settings), netns_check(), git_check(settings)]
    airflow = airflow_check(settings)
    if airflow is not None:
        rows.append(airflow)
    table = Table("check", "status", "required", box=None, pad_edge=False)
    table.add_column("detail", overflow="fold")
    for row in rows:
        table.add_row(row.name, row.status, "yes" if row.required else "no", row.detail)
    width = shutil.get_terminal_size((160, 24)).columns  # piped: wide enough for a path per row
    Console(highlight=False, markup=False, soft_wrap=True, width=width).print(table)
    missing = [row for row in rows if row.required and not row.ok]
    if missing:
        fixes = "; ".join(dict.fromkeys(row.fix for row in missing if row.fix))
        names = ", ".join(row.name for row in missing)
        raise ChecksFailed(f"not usable yet: {names} missing", hint=fixes or None)
