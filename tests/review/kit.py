"""A project with a real run's state database, the review command line, and screen snapshots."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
import shutil
import string
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "agent" / "examples" / "demo"
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("POSTWRIGHT_UPDATE_SNAPSHOTS") == "1"
POSTWRIGHT = [sys.executable, "-m", "agent"]
COLLECTION = "collections/petstore.postman_collection.json"
REVIEWER = "ada"
SHELTER = "description: The shelter whose pets are listed."

CONFIG = f"""\
spec = "specs/petstore-v2.yaml"
base = "specs/petstore-v1.yaml"
logs = ["logs"]

[publish]
repo = "repo"
collection = "{COLLECTION}"
"""


def make_project(root: Path) -> Path:
    """The demo's specs and logs with canaries planted, a postwright.toml and a git repository
    holding the collection; the canaries are written beside the project (``canaries(root)``)."""
    from agent.demo import make_canaries

    root.mkdir(parents=True, exist_ok=True)
    for part in ("specs", "logs"):
        shutil.copytree(DEMO / part, root / part)
    planted = make_canaries()
    for log in (root / "logs").rglob(
        "*.log"
    ):  # the example's {{canary:KIND}} markers, as the demo fills them
        text = log.read_text()
        for kind, value in planted.items():
            text = text.replace("{{canary:" + kind + "}}", value)
        log.write_text(text)
    spec = root / "specs" / "petstore-v2.yaml"  # and a token in a spec description, read as data
    planted["spec"] = "ghp_" + "".join(
        secrets.choice(string.ascii_letters + string.digits) for _ in range(36)
    )
    text = spec.read_text().replace(SHELTER, f"{SHELTER} Ask with token {planted['spec']}.", 1)
    assert planted["spec"] in text
    spec.write_text(text)
    (root.parent / "canaries.json").write_text(json.dumps(planted))
    (root / "postwright.toml").write_text(CONFIG)
    repo = root / "repo"
    (repo / "collections").mkdir(parents=True)
    shutil.copy(DEMO / "collections" / "petstore.postman_collection.json", repo / COLLECTION)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "tests"], check=True)
    return root


def canaries(root: Path) -> dict[str, str]:
    """The secret-shaped values ``make_project`` planted in ``root``'s logs and spec."""
    planted: dict[str, str] = json.loads((root.parent / "canaries.json").read_text())
    return planted


@dataclass(frozen=True)
class Done:
    """What a command printed and its exit code."""

    returncode: int
    stdout: str
    stderr: str


def cli(root: Path, *args: str, check: bool = True) -> Done:
    """``postwright ARGS`` in the project (in this process), its state in ``root/.postwright``."""
    from agent.cli.main import main

    out, err, code = io.StringIO(), io.StringIO(), 0
    here = Path.cwd()
    os.chdir(root)  # the config is found from the working directory, as for a person
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(["--state-dir", str(root / ".postwright"), *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        os.chdir(here)
    done = Done(code, out.getvalue(), err.getvalue())
    if check and done.returncode != 0:
        raise AssertionError(f"postwright {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return done


def real_run(root: Path, *flags: str) -> None:
    """``postwright run --no-publish`` as a person runs it (the sandbox verifies unless told not to)."""
    cli(root, "run", "--no-publish", *flags)


def listed(root: Path) -> dict[str, dict[str, Any]]:
    """``review --list --json``, by id."""
    rows = json.loads(cli(root, "review", "--list", "--json").stdout)
    return {r["id"]: r for r in rows}


def review_command(root: Path, *args: str) -> list[str]:
    return [*POSTWRIGHT, "--state-dir", str(root / ".postwright"), "review", "--as", REVIEWER, *args]


_RUN_ID = re.compile(r"\d{8}T\d{6}-[0-9a-f]{8}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00")  # stored times (microseconds)


def normalised(screen: str, root: Path) -> str:
    """A screen without what changes from run to run: run ids, times, the temp folder."""
    screen = screen.replace(str(root), "<project>")
    # prompt_toolkit's "> " key prompt is drawn just after the rows: a capture may fall in between
    screen = screen.removesuffix("\n>").rstrip("\n")
    return _TIME.sub("<time>", _RUN_ID.sub("<run>", screen))


def matches_snapshot(name: str, screen: str, root: Path) -> None:
    """The captured pane equals ``snapshots/NAME.txt`` (POSTWRIGHT_UPDATE_SNAPSHOTS=1 rewrites it)."""
    shown = normalised(screen, root) + "\n"
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE or not path.exists():
        if not UPDATE:
            raise AssertionError(
                f"no snapshot {path.name}: run with POSTWRIGHT_UPDATE_SNAPSHOTS=1 to record it"
            )
        path.write_text(shown)
        return
    expected = path.read_text()
    assert shown == expected, (
        f"screen differs from {path.name} (POSTWRIGHT_UPDATE_SNAPSHOTS=1 to accept):\n{shown}"
    )
