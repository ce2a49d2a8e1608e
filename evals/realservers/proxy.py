"""A recording reverse proxy on 127.0.0.1: what reached the server, whatever the client says it sent.

The bench points postwright's target at the proxy, so the proxy's log is the server-side record
of every request (method, path, status) — the evidence that a destructive operation did or did
not run, independent of postwright's own report.
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


@dataclass
class Seen:
    """One request that went through the proxy."""

    method: str
    path: str  # without the query
    status: int


@dataclass
class RecordingProxy:
    """Forwards 127.0.0.1:PORT to UPSTREAM (an http://127.0.0.1:N origin) and logs each request."""

    upstream: str
    seen: list[Seen] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        """Serve in a daemon thread; returns the proxy's origin."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.seen.append(Seen(method, path, status))

    def clear(self) -> list[Seen]:
        """The requests seen so far, and start a new log."""
        with self._lock:
            seen, self.seen = self.seen, []
        return seen


def _handler(proxy: RecordingProxy) -> type[BaseHTTPRequestHandler]:
    target = urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            # the client's Host stays: a server that redirects (FastAPI's trailing slash) points
            # back at the proxy, not at its own port, which the sandboxed client cannot reach
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=60)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
                out = [
                    (k, v)
                    for k, v in response.getheaders()
                    if k.lower() not in HOP_BY_HOP | {"content-length"}
                ]
            except (OSError, http.client.HTTPException) as exc:
                status, data, out = 502, str(exc).encode(), [("Content-Type", "text/plain")]
            finally:
                conn.close()
            proxy.record(self.command, urlsplit(self.path).path, status)
            self.send_response(status)
            for key, value in out:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
