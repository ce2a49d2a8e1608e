"""A small local HTTP API that fails the way real ones do (422 with a JSON body, 500)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path == "/v1/orders":
            detail = [{"loc": ["body", "sku"], "msg": "Field required", "type": "missing"}]
            self._send(422, {"detail": detail})
        else:
            self._send(404, {"detail": "Not Found"})

    def do_GET(self) -> None:
        if self.path == "/v1/inventory/flaky":
            self._send(503, {"error": {"code": "unavailable", "retry_after": 1}})
        elif self.path == "/v1/inventory/ok":
            self._send(200, {"items": []})
        elif self.path in ("/v1/pets/42", "/v1/pets/500"):
            self._send(500, {"error": {"code": "internal", "message": "database unavailable"}})
        elif self.path.startswith("/v1/pets/"):
            self._send(200, {"id": int(self.path.rsplit("/", 1)[1]), "name": "rex"})
        else:
            self._send(404, {"detail": "Not Found"})

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeApi:
    """Serves the handler on a free loopback port in a thread."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
