"""The pinned Node tools (newman, Prism): where they are installed and how to install them.

The manifest and lock file ship with postwright (``sandbox/`` in a checkout, ``agent/sandbox``
in the wheel). A checkout installs into its own ``sandbox/`` (``make sandbox`` or
``postwright sandbox install``); an installed postwright into a user cache folder named by the
lock's digest, so an upgrade with a new lock installs afresh. Either way it is ``npm ci`` from
the shipped lock file; ``[sandbox] dir`` overrides the folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from agent.errors import MissingDependency, SourceUnreachable, StorageError
from agent.shipped import packaged, shipped

# The checkout's own set-up (``make sandbox``); users of an installed postwright run USER_INSTALL.
INSTALL_COMMAND = "npm ci --prefix sandbox --no-audit --no-fund"
USER_INSTALL = "postwright sandbox install"
MANIFEST = ("package.json", "package-lock.json")
NPM_TIMEOUT = 900.0


def shipped_dir() -> Path:
    """The folder holding the shipped ``package.json`` and ``package-lock.json``."""
    return shipped("sandbox")


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/postwright/sandbox-<lock digest>`` (``~/.cache`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    lock = (shipped_dir() / "package-lock.json").read_bytes()
    return Path(base) / "postwright" / f"sandbox-{hashlib.sha256(lock).hexdigest()[:12]}"


def default_sandbox_dir() -> Path:
    """A checkout's own ``sandbox/`` (``make sandbox`` installs it), an installed postwright's cache."""
    source = shipped_dir()
    return cache_dir() if packaged(source) else source


@dataclass(frozen=True)
class SandboxTools:
    """Absolute paths of node and the JS entry points the runner starts."""

    node: str
    newman: Path
    prism: Path

    @classmethod
    def locate(cls, sandbox_dir: Path) -> SandboxTools:
        """Find node, newman and prism; raise MissingDependency with the install command if absent."""
        node = shutil.which("node")
        if node is None:
            raise MissingDependency("node (Node.js 18.20 or later)", "apt-get install nodejs npm")
        modules = sandbox_dir / "node_modules"
        newman = modules / "newman" / "bin" / "newman.js"
        prism = modules / "@stoplight" / "prism-cli" / "dist" / "index.js"
        missing = [p for p in (newman, prism) if not p.is_file()]
        if missing:
            where = sandbox_dir.resolve()
            raise MissingDependency(f"the Node sandbox in {where} (newman, prism)", USER_INSTALL)
        return cls(node=node, newman=newman.resolve(), prism=prism.resolve())


def installed(target: Path) -> bool:
    """Whether ``target`` holds the tools, installed from the lock file shipped now."""
    lock = target / "package-lock.json"
    try:
        current = lock.read_bytes() == (shipped_dir() / "package-lock.json").read_bytes()
        SandboxTools.locate(target)
    except (OSError, MissingDependency):
        return False
    return current


def install(target: Path) -> None:
    """Copy the shipped manifest and lock file into ``target`` and run ``npm ci`` there."""
    npm = shutil.which("npm")
    if npm is None:
        raise MissingDependency("npm (with Node.js 18.20 or later)", "apt-get install nodejs npm")
    source = shipped_dir()
    if target.resolve() != source.resolve():
        try:
            target.mkdir(parents=True, exist_ok=True)
            for name in MANIFEST:
                shutil.copyfile(source / name, target / name)
        except OSError as exc:
            raise StorageError(f"cannot write the Node sandbox to {target}: {exc.strerror or exc}") from None
    command = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        done = subprocess.run(command, cwd=target, capture_output=True, text=True, timeout=NPM_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SourceUnreachable(f"npm ci in {target} did not finish in {NPM_TIMEOUT:.0f} s") from None
    if done.returncode != 0:  # the registry, the network or the disk: the user must act
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit {done.returncode}"
        raise SourceUnreachable(f"npm ci in {target} failed: {detail}")
