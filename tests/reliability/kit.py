"""What the reliability tests share: a real `postwright run` process, a stub Airflow, the DB."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from agent import demo
from tests.json_server import JsonHandler

DAG = "petstore_sync"
RUN_ID = "scheduled__2026-11-24T02:00:00+00:00"
END = "2026-11-24T02:05:00+00:00"


def command(ws: Path, *args: str, state: Path | None = None) -> list[str]:
    """The argv of ``postwright`` on a demo workspace, as a user types it (its own store unless ``state``)."""
    config = ["--config", str(ws / "postwright.toml"), "--state-dir", str(state or ws / ".postwright")]
    return [sys.executable, "-m", "agent", *config, *args]


def postwright(
    ws: Path, *args: str, env: dict[str, str] | None = None, state: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``postwright`` to the end."""
    return subprocess.run(
        command(ws, *args, state=state),
        cwd=ws,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def _ctrl_c_restored() -> None:
    """In the child before exec: SIGINT back to its default, so Python installs its Ctrl-C handler.

    A suite started as a background job (``cmd &`` without job control) inherits SIGINT ignored,
    and an ignored SIGINT stays ignored across exec: the Ctrl-C tests would test nothing.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Running:
    """A ``postwright`` process whose stderr is read line by line as it runs.

    Use it in a ``with`` block: a test that fails half-way leaves no process behind.
    """

    def __init__(self, ws: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            command(ws, *args),
            cwd=ws,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
            preexec_fn=_ctrl_c_restored,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=60)

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float = 300) -> str:
        """Block until a stderr line matches ``pattern``; fail if the process ends first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"postwright ended before {pattern!r}: {''.join(self.lines)}")
            self.lines.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no {pattern!r} within {timeout}s: {''.join(self.lines)}")

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> int:
        """Send ``sig`` and reap the process; its exit status."""
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=120)
        self._drain()
        return code

    def _drain(self) -> None:
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)

    def finish(self) -> tuple[int, str]:
        """Wait for the end; exit status and the whole stderr."""
        code = self.proc.wait(timeout=600)
        self._drain()
        return code, "".join(self.lines)


def query(ws: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of the workspace's state DB (read as any SQLite client would)."""
    with sqlite3.connect(ws / ".postwright" / "state.db") as db:
        return list(db.execute(sql, params))


def regressions(ws: Path) -> int:
    """Stored proposals drawn from failed calls in the logs (not from the spec diff)."""
    rows = query(ws, "SELECT provenance FROM proposals")
    return sum(json.loads(p)["intent"]["kind"] == "regression" for (p,) in rows)


def without_log_files(ws: demo.Workspace) -> None:
    """Read the logs from Airflow instead of the workspace's files."""
    config = ws.root / "postwright.toml"
    config.write_text(config.read_text().replace('logs = ["logs"]\n', ""))


class StubAirflow:
    """Airflow 3's REST API for one failed DAG run, serving the demo workspace's task logs.

    ``delay`` seconds pass before each log is sent: a source that is slow for real.
    """

    def __init__(self, ws: demo.Workspace, token: str, delay: float = 0.0) -> None:
        self.logs = {
            (p.parent.name.removeprefix("task_id="), int(p.stem.removeprefix("attempt="))): p
            for p in (ws.root / "logs").rglob("attempt=*.log")
        }
        self.token, self.delay, self.hits = token, delay, 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """The settings `postwright run` needs to read from this stub."""
        return {
            "POSTWRIGHT_AIRFLOW__URL": self.url,
            "POSTWRIGHT_AIRFLOW__TOKEN": self.token,
            "POSTWRIGHT_AIRFLOW__DAG_IDS": json.dumps([DAG]),
        }

    def __enter__(self) -> StubAirflow:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if self.headers.get("Authorization") != f"Bearer {stub.token}":
                    self.send_json(401, {"detail": "unauthorized"})
                elif "/logs/" in path:
                    stub.hits += 1
                    time.sleep(stub.delay)
                    task, tries = path.split("/taskInstances/")[1].split("/logs/")
                    self._log(stub.logs.get((task, int(tries))))
                elif path.endswith("/taskInstances"):
                    tis = [_task(task, max(n for t, n in stub.logs if t == task)) for task, _ in stub.logs]
                    unique = list({ti["task_id"]: ti for ti in tis}.values())
                    self.send_json(200, {"task_instances": unique, "total_entries": len(unique)})
                elif path.endswith("/dagRuns"):
                    self.send_json(200, {"dag_runs": [_RUN], "total_entries": 1})
                else:
                    self.send_json(404, {"detail": "not found"})

            def _log(self, file: Path | None) -> None:
                if file is None:
                    self.send_json(404, {"detail": "no log"})
                    return
                data = file.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


_RUN = {
    "dag_id": DAG,
    "dag_display_name": DAG,
    "dag_run_id": RUN_ID,
    "dag_versions": [],
    "run_after": END,
    "run_type": "scheduled",
    "state": "failed",
    "end_date": END,
}


def _task(task_id: str, tries: int) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-0000-0000-{abs(hash(task_id)) % 10**12:012d}",
        "dag_id": DAG,
        "dag_display_name": DAG,
        "dag_run_id": RUN_ID,
        "executor_config": "{}",
        "map_index": -1,
        "max_tries": tries,
        "pool": "default_pool",
        "pool_slots": 1,
        "run_after": END,
        "task_display_name": task_id,
        "task_id": task_id,
        "try_number": tries,
        "state": "failed",
    }
