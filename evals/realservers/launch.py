"""Install a real API server in one version, start it on a free 127.0.0.1 port, fetch its spec, stop it.

usage: python -m evals.realservers.launch NAME VERSION [--spec-out FILE] [--serve SECONDS]
       python -m evals.realservers.launch --install-only NAME VERSION

Each version gets its own venv under ``$XDG_CACHE_HOME/postwright-evals/servers/NAME-VERSION``
(default ``~/.cache``), installed once; a marker file records a finished install. For tests:

    with start("glances", "4.3.3") as server:   # InstallError / StartError when it cannot
        server.base_url, server.spec()           # {{baseUrl}}, the published spec (dict)
        server.log_text()                        # what the server printed (its request log)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.realservers.servers import SERVERS, Server, env_for, free_port
from evals.realspecs.fetch import cache_dir

INSTALL_TIMEOUT = 900.0
START_TIMEOUT = 180.0  # prefect 3.0 migrates its sqlite database first: ~50 s on two busy cores


class InstallError(RuntimeError):
    """The package could not be installed (offline, resolver, build failure)."""


class StartError(RuntimeError):
    """The server did not answer its ready path in time."""


def venv_dir(server: Server, version: str) -> Path:
    """Where VERSION of SERVER is (or will be) installed."""
    return cache_dir() / "servers" / f"{server.name}-{version}"


def install(name: str, version: str, timeout: float = INSTALL_TIMEOUT) -> Path:
    """Install NAME==VERSION into its own venv once; returns the venv's bin folder."""
    server = SERVERS[name]
    venv = venv_dir(server, version)
    marker = venv / ".postwright-installed"
    wanted = "\n".join(server.requirements(version))
    if marker.exists() and marker.read_text() == wanted:
        return venv / "bin"
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120
        )
        done = subprocess.run(
            [
                str(venv / "bin" / "pip"),
                "install",
                "-q",
                "--disable-pip-version-check",
                *server.requirements(version),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        raise InstallError(f"{name} {version}: {exc}") from exc
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if not line.startswith("WARNING")]
        raise InstallError(f"{name} {version}: pip exited {done.returncode}: {' '.join(errors)[-600:]}")
    marker.write_text(wanted)
    return venv / "bin"


def http_get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    """GET URL on loopback; (status, body), status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


@dataclass
class Running:
    """A started server: its process, address and log."""

    server: Server
    version: str
    process: subprocess.Popen[bytes]
    port: int
    work: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The {{baseUrl}} a collection of this server's spec runs against."""
        return self.origin + self.server.api_root

    @property
    def log(self) -> Path:
        return self.work / "server.log"

    def log_text(self) -> str:
        """Everything the server printed so far (uvicorn logs each request line)."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def spec(self) -> dict[str, Any]:
        """The OpenAPI description the running server publishes."""
        status, body = http_get(self.origin + self.server.spec_path, timeout=30)
        if status != 200:
            raise StartError(f"{self.server.name} {self.version}: {self.server.spec_path} answered {status}")
        doc: dict[str, Any] = json.loads(body)
        return doc

    def stop(self) -> None:
        """SIGINT (a clean uvicorn shutdown), then SIGKILL to the process group after 10 s."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


def launch(name: str, version: str, work: Path, timeout: float = START_TIMEOUT) -> Running:
    """Install if needed and start NAME VERSION with its state in WORK; returns once it is ready."""
    server = SERVERS[name]
    bin_dir = install(name, version)
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, **env_for(server, work), "PYTHONUNBUFFERED": "1"}
    with (work / "server.log").open("wb") as log:
        process = subprocess.Popen(
            server.command(bin_dir, port, work),
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() ends its children too
        )
    running = Running(server, version, process, port, work)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartError(f"{name} {version} exited {process.returncode}: {running.log_text()[-800:]}")
        if http_get(running.origin + server.ready_path, timeout=5)[0] == 200:
            return running
        time.sleep(0.5)
    running.stop()
    raise StartError(f"{name} {version} not ready in {timeout:.0f}s: {running.log_text()[-800:]}")


@contextmanager
def start(name: str, version: str, work: Path | None = None) -> Iterator[Running]:
    """``launch`` as a context manager; stops the server and removes a temporary WORK after."""
    own = work is None
    folder = Path(tempfile.mkdtemp(prefix=f"pw-{name}-")) if work is None else work
    running = launch(name, version, folder)
    try:
        yield running
    finally:
        running.stop()
        if own:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=sorted(SERVERS))
    parser.add_argument("version")
    parser.add_argument("--install-only", action="store_true")
    parser.add_argument("--spec-out", type=Path, help="write the published spec here")
    parser.add_argument("--serve", type=float, default=0.0, help="keep it running this many seconds")
    args = parser.parse_args()
    started = time.perf_counter()
    install(args.name, args.version)
    print(f"installed {args.name} {args.version} in {time.perf_counter() - started:.1f}s")
    if args.install_only:
        return
    started = time.perf_counter()
    with start(args.name, args.version) as server:
        print(f"ready at {server.base_url} in {time.perf_counter() - started:.1f}s")
        spec = server.spec()
        print(f"spec: {sum(len(v) for v in spec.get('paths', {}).values())} path entries")
        if args.spec_out:
            args.spec_out.write_text(json.dumps(spec, indent=1))
        time.sleep(args.serve)


if __name__ == "__main__":
    main()
