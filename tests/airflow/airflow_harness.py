"""Starts a real Airflow 3 (api-server, scheduler, dag-processor) on 127.0.0.1 for tests."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
ENV_SCRIPT = REPO / "scripts" / "airflow-env.sh"
DAGS = Path(__file__).resolve().parent / "dags"
COMPONENTS = ("api-server", "scheduler", "dag-processor")


def ensure_venv() -> Path:
    """Create or reuse the separate Airflow venv (scripts/airflow-env.sh); return its path."""
    out = subprocess.run(["bash", str(ENV_SCRIPT)], check=True, capture_output=True, text=True, timeout=900)
    return Path(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Airflow:
    """One running Airflow: its home, URL, admin password and process groups."""

    venv: Path
    home: Path
    port: int
    password: str
    extra_env: dict[str, str] = field(default_factory=dict)
    jwt_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    _token: str = ""
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment every airflow process gets (settings from the measured notes)."""
        pw_file = self.home / "passwords.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update(
            AIRFLOW_HOME=str(self.home),
            HOME=str(self.home),
            AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__PARALLELISM="4",
            AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
            AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False",
            AIRFLOW__CORE__AUTH_MANAGER="airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(pw_file),
            AIRFLOW__API__HOST="127.0.0.1",
            AIRFLOW__API__PORT=str(self.port),
            AIRFLOW__API__BASE_URL=self.url,
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{self.url}/execution/",
            AIRFLOW__API_AUTH__JWT_SECRET=self.jwt_secret,
            AIRFLOW__API__SECRET_KEY=secrets.token_hex(32),
            AIRFLOW__CORE__FERNET_KEY="",
            AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
            # Fixed 8793/8794 by default (on all interfaces): two Airflows at once would collide.
            AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
            AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
            PATH=f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        """Migrate the DB, then start each component in its own process group."""
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "passwords.json").write_text(json.dumps({"admin": self.password}))
        self._env = self.env()
        airflow = str(self.venv / "bin" / "airflow")
        subprocess.run(
            [airflow, "db", "migrate"], env=self._env, check=True, capture_output=True, timeout=300
        )
        for name in COMPONENTS:
            self.start_component(name)

    def start_component(self, name: str) -> None:
        """Start one component (again), logging to HOME/<name>.out."""
        out = open(self.home / f"{name}.out", "ab")  # noqa: SIM115 - owned by the child
        self.procs[name] = subprocess.Popen(
            [str(self.venv / "bin" / "airflow"), name],
            env=self._env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()

    def wait_healthy(self, timeout: float = 120) -> None:
        """Wait until the API answers and the scheduler and dag-processor report healthy."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"airflow {name} exited: {self.tail(name)}")
            try:
                last = httpx.get(f"{self.url}/api/v2/monitor/health", timeout=5).json()
                if all(last.get(c, {}).get("status") == "healthy" for c in ("scheduler", "dag_processor")):
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"airflow not healthy after {timeout}s: {last}")

    def token(self) -> str:
        """A JWT for admin (cached: it lives 24 h)."""
        if not self._token:
            r = httpx.post(
                f"{self.url}/auth/token", json={"username": "admin", "password": self.password}, timeout=60
            )
            r.raise_for_status()
            self._token = str(r.json()["access_token"])
        return self._token

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One authenticated call to /api/v2; a busy 2-core machine can take seconds to answer."""
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        for attempt in range(5):
            try:
                return httpx.request(
                    method, f"{self.url}/api/v2{path}", headers=headers, timeout=60, **kwargs
                )
            except httpx.TransportError:
                if attempt == 4:
                    raise
                time.sleep(1)
        raise AssertionError("unreachable")

    def wait_dags(self, dag_ids: list[str], timeout: float = 90) -> None:
        """Wait until the dag-processor has parsed the given DAGs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.api("GET", "/dags", params={"limit": 100})
            seen = {d["dag_id"] for d in r.json().get("dags", [])}
            if set(dag_ids) <= seen:
                return
            time.sleep(0.5)
        errors = self.api("GET", "/importErrors").text
        raise RuntimeError(f"DAGs {dag_ids} not parsed in {timeout}s; import errors: {errors[:2000]}")

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Trigger a DAG run; return its run id."""
        r = self.api("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        r.raise_for_status()
        return str(r.json()["dag_run_id"])

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 180) -> str:
        """Wait until a DAG run is finished; return its state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json().get("state")
            if state in ("success", "failed"):
                return str(state)
            time.sleep(0.5)
        raise RuntimeError(
            f"run {dag_id}/{run_id} not finished in {timeout}s; scheduler: {self.tail('scheduler')}"
        )

    def tail(self, name: str, n: int = 3000) -> str:
        """The end of a component's output, for failure messages."""
        path = self.home / f"{name}.out"
        return path.read_text(errors="replace")[-n:] if path.exists() else ""

    def stop_component(self, name: str, grace: float = 10) -> None:
        """SIGTERM one component's process group, SIGKILL it after the grace period."""
        proc = self.procs.pop(name, None)
        if proc is not None:
            _stop_groups([proc], grace)

    def stop(self, grace: float = 10) -> None:
        """Stop every component; tolerant of processes that are already gone."""
        procs = list(self.procs.values())
        self.procs.clear()
        _stop_groups(procs, grace)


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _stop_groups(procs: list[subprocess.Popen[bytes]], grace: float) -> None:
    # The scheduler often ignores SIGTERM while it waits for an idle worker: kill after a grace.
    for proc in procs:
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    for proc in procs:
        _signal_group(proc, signal.SIGKILL)  # children left in the group too
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            print(f"airflow pid {proc.pid} did not die", file=sys.stderr)
