"""Measure the target relay: newman against a loopback target, in a netns via the relay vs. direct."""

from __future__ import annotations

import json
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agent.runner import NewmanRunner
from agent.runner.sandbox import default_sandbox_dir


class _Target(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        body = json.dumps({"id": 42, "pad": "x" * 2048}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _item(n: int) -> dict[str, Any]:
    tests = ["pm.test('200', () => pm.response.to.have.status(200));"]
    return {
        "id": f"pw-relay-{n}",
        "name": f"relay {n}",
        "request": {"method": "GET", "url": f"{{{{baseUrl}}}}/pets/{n}"},
        "event": [{"listen": "test", "script": {"exec": tests}}],
    }


def main() -> None:
    """A 50-item collection, 5 runs per mode; print wall time per run and per request."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Target)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{httpd.server_address[1]}"
    runs, size = 5, 50
    collection = {"info": {"name": "relay-bench"}, "item": [_item(n) for n in range(size)]}
    for isolate in ("netns", "none"):
        began = time.monotonic()
        runner = NewmanRunner(default_sandbox_dir(), isolate=isolate, target=target)
        report = runner.run(collection, None, runs)
        total = time.monotonic() - began
        walls = [r.wall_seconds for r in report.runs]
        newman = [r.run_seconds or 0.0 for r in report.runs]
        requests = [s for o in report.items.values() for s in o.request_seconds]
        passed = sum(o.status == "passed" for o in report.items.values())
        print(f"isolation={report.isolation} items={size} runs={runs} passed={passed} total={total:.2f}s")
        print(f"  relay connections: {report.relay_connections}")
        print(f"  newman process per run: median {statistics.median(walls):.2f}s")
        print(f"  newman run time per run: median {statistics.median(newman):.3f}s")
        median_ms, max_ms = statistics.median(requests) * 1000, max(requests) * 1000
        print(f"  request: median {median_ms:.1f} ms, max {max_ms:.0f} ms")
    httpd.shutdown()


if __name__ == "__main__":
    main()
