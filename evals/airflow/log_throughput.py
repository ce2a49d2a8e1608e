"""Throughput of AirflowSource.logs() against a stub Airflow 3 API on loopback.

A real Airflow cannot produce 1,000 failed task logs quickly on a small machine, so this
serves the same REST shapes (token, DAG runs, task instances, NDJSON logs) from a stub with
a configurable per-log latency and measures the client side: listing, the bounded pool,
streaming, rendering. Prints one line per pool size.

usage: .venv/bin/python -m evals.airflow.log_throughput [--runs 100] [--tasks 10]
       [--lines 200] [--latency-ms 20] [--workers 1,8,16]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from pydantic import SecretStr

from agent.sources.airflow import AirflowSettings, AirflowSource

T0 = "2026-11-24T02:00:00+00:00"


def _run(dag: str, i: int) -> dict[str, Any]:
    end = f"2026-11-24T03:{i // 60:02d}:{i % 60:02d}+00:00"
    return {
        "dag_id": dag,
        "dag_display_name": dag,
        "dag_run_id": f"scheduled__{i:05d}",
        "dag_versions": [],
        "run_after": T0,
        "run_type": "scheduled",
        "state": "failed",
        "end_date": end,
        "start_date": T0,
    }


def _ti(dag: str, run: str, n: int) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "dag_id": dag,
        "dag_display_name": dag,
        "dag_run_id": run,
        "executor_config": "{}",
        "map_index": -1,
        "max_tries": 0,
        "pool": "default_pool",
        "pool_slots": 1,
        "run_after": T0,
        "task_display_name": f"call_{n}",
        "task_id": f"call_{n}",
        "try_number": 1,
        "state": "failed",
    }


def handler(args: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    line = {
        "timestamp": T0,
        "event": "GET https://api.example/v1/pets/42 -> 200 " + "x" * 180,
        "level": "info",
        "logger": "task.stdout",
    }
    fail = {
        "timestamp": T0,
        "event": "Task failed with exception",
        "level": "error",
        "logger": "task",
        "error_detail": [
            {"exc_type": "HTTPError", "exc_value": "422 Client Error for url: https://api.example/v1/orders"}
        ],
    }
    body = ("\n".join([json.dumps(line)] * args.lines + [json.dumps(fail)]) + "\n").encode()

    class Stub(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, data: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._send(201, b'{"access_token": "stub"}')

        def do_GET(self) -> None:
            url = urlparse(self.path)
            q = parse_qs(url.query)
            offset, limit = int(q.get("offset", ["0"])[0]), int(q.get("limit", ["100"])[0])
            path = unquote(url.path)
            if m := re.fullmatch(r"/api/v2/dags/([^/]+)/dagRuns", path):
                runs = [_run(m[1], i) for i in range(args.runs)]
                data = {"dag_runs": runs[offset : offset + limit], "total_entries": len(runs)}
            elif m := re.fullmatch(r"/api/v2/dags/([^/]+)/dagRuns/([^/]+)/taskInstances", path):
                tis = [_ti(m[1], m[2], n) for n in range(args.tasks)]
                data = {"task_instances": tis[offset : offset + limit], "total_entries": len(tis)}
            elif "/logs/" in path:
                time.sleep(args.latency_ms / 1000)
                self._send(200, body, "application/x-ndjson")
                return
            else:
                self._send(404, b'{"detail": "Not Found"}')
                return
            self._send(200, json.dumps(data).encode())

        def log_message(self, format: str, *a: Any) -> None:
            pass

    return Stub


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(args: argparse.Namespace) -> list[dict[str, float]]:
    """One row per worker count: logs, MB, seconds, logs/s, traced peak and max RSS (MB)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(args))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    import airflow_client.client  # noqa: F401 - import time is not fetch time

    rows = []
    for workers in [int(w) for w in str(args.workers).split(",")]:
        settings = AirflowSettings(
            base_url=url, token=SecretStr("stub"), dag_ids=["bench"], max_workers=workers
        )
        if args.trace_memory:
            tracemalloc.start()
        t = time.perf_counter()
        logs = chars = 0
        for log in AirflowSource(settings).logs():
            chars += sum(len(c) for c in log.chunks)
            logs += 1
        elapsed = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1] if args.trace_memory else 0
        tracemalloc.stop()
        rows.append(
            {
                "workers": workers,
                "logs": logs,
                "mb": chars / 1e6,
                "seconds": elapsed,
                "logs_s": logs / elapsed,
            }
            | {"peak_traced_mb": peak / 1e6, "maxrss_mb": _rss()}
        )
    server.shutdown()
    return rows


def parser() -> argparse.ArgumentParser:
    """The options (also the defaults the evals command starts from)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--workers", default="1,8,16")
    parser.add_argument("--trace-memory", action="store_true", help="tracemalloc peak (slows it ~3x)")
    return parser


def main() -> None:
    args = parser().parse_args()
    for r in measure(args):
        print(
            f"workers={r['workers']:3.0f} logs={r['logs']:.0f} MB={r['mb']:.1f} "
            f"seconds={r['seconds']:.2f} logs/s={r['logs_s']:.0f} "
            f"peak_traced_MB={r['peak_traced_mb']:.1f} maxrss_MB={r['maxrss_mb']:.0f} "
            f"latency_ms={args.latency_ms}"
        )


if __name__ == "__main__":
    main()
