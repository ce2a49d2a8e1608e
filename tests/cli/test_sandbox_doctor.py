"""`postwright sandbox install` and `postwright doctor` through the real CLI (npm stood in by a script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from agent.runner.sandbox import shipped_dir

FAKE_NPM = """#!/bin/sh
# stands in for npm: records its arguments, then lays out the entry points newman and Prism have
echo "$@" >> "$NPM_LOG"
[ -n "$NPM_FAIL" ] && { echo "npm ERR! code ENOTFOUND" >&2; exit 1; }
mkdir -p node_modules/newman/bin node_modules/@stoplight/prism-cli/dist
touch node_modules/newman/bin/newman.js node_modules/@stoplight/prism-cli/dist/index.js
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """PATH with a fake npm first; the sandbox folder configured inside tmp_path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(FAKE_NPM)
    (bin_dir / "npm").chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "NPM_LOG": str(tmp_path / "npm.log"),
        "POSTWRIGHT_SANDBOX__DIR": str(tmp_path / "node-tools"),
    }


def postwright(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


def test_sandbox_install_runs_npm_ci_from_the_shipped_lock(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "node-tools"
    assert postwright("sandbox", "where", env=env, cwd=tmp_path).stdout.strip() == str(target)
    done = postwright("sandbox", "install", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"installed in {target}" in done.stdout
    for name in ("package.json", "package-lock.json"):
        assert (target / name).read_bytes() == (shipped_dir() / name).read_bytes()
    assert (tmp_path / "npm.log").read_text().split() == ["ci", "--no-audit", "--no-fund", "--loglevel=error"]
    again = postwright("sandbox", "install", env=env, cwd=tmp_path)
    assert again.returncode == 0 and len((tmp_path / "npm.log").read_text().splitlines()) == 1
    forced = postwright("sandbox", "install", "--force", env=env, cwd=tmp_path)
    assert forced.returncode == 0 and len((tmp_path / "npm.log").read_text().splitlines()) == 2


def test_sandbox_install_failure_is_one_line_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    done = postwright("sandbox", "install", env={**env, "NPM_FAIL": "1"}, cwd=tmp_path)
    assert done.returncode == 2
    (error,) = [line for line in done.stderr.splitlines() if line.startswith("postwright: ")]
    assert "npm ci in" in error and "ENOTFOUND" in error and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [["verify", "c.json", "--spec", "s.yaml"], ["run"], ["demo"]])
def test_first_use_without_the_sandbox_says_how_to_install_it(
    env: dict[str, str], tmp_path: Path, examples_dir: Path, command: list[str]
) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"info": {"name": "c"}, "item": []}))
    (tmp_path / "s.yaml").write_text((examples_dir / "specs" / "petstore-v2.yaml").read_text())
    (tmp_path / "postwright.toml").write_text('spec = "s.yaml"\n')
    if command == ["demo"]:
        command = ["demo", "--workspace", str(tmp_path / "ws")]
    done = postwright(*command, env=env, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("postwright: error: the Node sandbox in")
    assert str(tmp_path / "node-tools") in last and "postwright sandbox install" in last
    assert "Traceback" not in done.stderr


def _rows(stdout: str) -> dict[str, list[str]]:
    return {line[:20].strip(): line[20:].split() for line in stdout.splitlines()[1:] if line[:20].strip()}


def test_doctor_reports_missing_tools_and_exits_1(env: dict[str, str], tmp_path: Path) -> None:
    done = postwright("doctor", env=env, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    rows = _rows(done.stdout)
    assert rows["python"][:2] == ["ok", "yes"] and rows["python packages"][:2] == ["ok", "yes"]
    assert rows["newman"][:2] == ["MISSING", "yes"] and rows["prism"][:2] == ["MISSING", "yes"]
    assert "network namespaces" in rows and "airflow" not in rows
    assert done.stderr.strip() == (
        "postwright: not usable yet: newman, prism missing (postwright sandbox install)"
    )
    assert postwright("sandbox", "install", env=env, cwd=tmp_path).returncode == 0
    ready = postwright("doctor", env=env, cwd=tmp_path)
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert _rows(ready.stdout)["newman"][0] == "ok"
    off = postwright("doctor", env={**env, "POSTWRIGHT_SANDBOX__ENABLED": "false"}, cwd=tmp_path)
    assert off.returncode == 0  # verification off: the sandbox is not required


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/api/v2/monitor/health" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def airflow_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_doctor_checks_the_configured_airflow(env: dict[str, str], tmp_path: Path, airflow_url: str) -> None:
    assert postwright("sandbox", "install", env=env, cwd=tmp_path).returncode == 0
    up = postwright("doctor", env={**env, "POSTWRIGHT_AIRFLOW__URL": airflow_url}, cwd=tmp_path)
    assert up.returncode == 0, up.stdout + up.stderr
    assert _rows(up.stdout)["airflow"][:2] == ["ok", "yes"] and "HTTP 200" in up.stdout
    closed = airflow_url.rsplit(":", 1)[0] + ":9"  # the discard port: nothing listens
    down = postwright("doctor", env={**env, "POSTWRIGHT_AIRFLOW__URL": closed}, cwd=tmp_path)
    assert down.returncode == 1 and _rows(down.stdout)["airflow"][:2] == ["MISSING", "yes"]
    assert "unreachable" in down.stdout
