"""Helpers for the sandbox tests: a loopback HTTP server and tiny Postman collections."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[BaseHTTPRequestHandler], tuple[int, Any]]


class LoopbackServer:
    """A tiny HTTP server on 127.0.0.1 whose routes are plain functions; it counts calls."""

    def __init__(self, routes: dict[str, Handler], tls: ssl.SSLContext | None = None) -> None:
        self.routes = routes
        self.calls: dict[str, int] = {}
        self.hosts: list[str] = []  # Host headers seen
        outer = self

        class _H(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                path = self.path.split("?")[0]
                outer.calls[path] = outer.calls.get(path, 0) + 1
                outer.hosts.append(str(self.headers.get("Host", "")))
                route = outer.routes.get(path)
                status, body = route(self) if route else (404, {"error": "no route"})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.url = f"https://localhost:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def item(
    item_id: str, url: str, *tests: str, method: str = "GET", auth: bool = False, pre: list[str] | None = None
) -> dict[str, Any]:
    """A Postman v2.1 request item with a test script made of ``tests`` lines."""
    headers = [{"key": "Authorization", "value": "Bearer {{accessToken}}"}] if auth else []
    events = [{"listen": "test", "script": {"type": "text/javascript", "exec": list(tests)}}]
    if pre:
        events.append({"listen": "prerequest", "script": {"type": "text/javascript", "exec": pre}})
    return {
        "id": item_id,
        "name": item_id,
        "request": {"method": method, "header": headers, "url": url},
        "event": events,
    }


def collection(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "info": {
            "name": "pw-test",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": list(items),
    }
