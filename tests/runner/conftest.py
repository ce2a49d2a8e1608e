"""Fixtures for the sandbox tests: the installed Node project, the demo spec, a loopback target."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.models import SpecDocument
from agent.runner.sandbox import INSTALL_COMMAND, default_sandbox_dir
from tests.runner.runner_helpers import Handler, LoopbackServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sandbox_dir() -> Path:
    """sandbox/ with node_modules installed (runs `npm ci` once if it is missing)."""
    sandbox = default_sandbox_dir()
    if not (sandbox / "node_modules" / "newman").is_dir():
        if shutil.which("npm") is None:
            pytest.skip(f"npm is not installed, so the sandbox cannot be set up ({INSTALL_COMMAND})")
        done = subprocess.run(INSTALL_COMMAND.split(), cwd=ROOT, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"`{INSTALL_COMMAND}` failed: {done.stderr.strip()[-300:]}")
    return sandbox


@pytest.fixture(scope="session")
def demo_spec() -> SpecDocument:
    from agent.specs.load import load_spec

    return load_spec(str(ROOT / "agent" / "examples" / "demo" / "specs" / "petstore-v2.yaml"))


@pytest.fixture
def serve() -> Iterator[Callable[..., LoopbackServer]]:
    """Start loopback servers for a test; all are shut down after it."""
    servers: list[LoopbackServer] = []

    def start(routes: dict[str, Handler], tls: ssl.SSLContext | None = None) -> LoopbackServer:
        servers.append(LoopbackServer(routes, tls))
        return servers[-1]

    yield start
    for server in servers:
        server.close()
