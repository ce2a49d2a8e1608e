"""The HTTP server: logging, faults, authentication, rate-limit headers, then the route."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.github.standin import auth, routes_app, routes_git, routes_pulls, shapes
from tests.github.standin.hub import Fault, Hub, LoggedRequest, Token
from tests.github.standin.web import Fail, Reply, Request, Router

ROUTER = Router()
for _module in (routes_git, routes_pulls, routes_app):
    _module.register(ROUTER)

DROP = 0  # a fault status: close the connection without an answer (a network error to the client)
GHE_PREFIX = "/api/v3"  # GitHub Enterprise Server serves the same API below this path

# (request, reply) -> None: the contract check sees every exchange (tests/github/contract.py).
Observer = Callable[[Request, Reply], None]


def _rate_headers(token: Token | None, now: float) -> dict[str, str]:
    if token is None:
        return {}
    return {
        "x-ratelimit-limit": str(token.limit),
        "x-ratelimit-remaining": str(max(0, token.limit - token.used)),
        "x-ratelimit-reset": str(token.reset),
        "x-ratelimit-used": str(token.used),
        "x-ratelimit-resource": "core",
    }


def _count(token: Token, now: float) -> None:
    """Spend one request of the token's hourly budget (403 with remaining 0 once spent)."""
    if token.reset <= now:
        token.reset, token.used = int(now) + 3600, 0
    if token.used >= token.limit:
        body = shapes.error(
            f"API rate limit exceeded for user ID {token.user.id}.",
            f"{shapes.DOCS}/overview/rate-limits-for-the-rest-api",
            403,
        )
        raise Fail(403, body, _rate_headers(token, now))
    token.used += 1


def _take_fault(hub: Hub, method: str, path: str) -> Fault | None:
    for fault in hub.faults:
        if fault.method in ("*", method) and fault.path.search(path):
            fault.times -= 1
            if fault.times <= 0:
                hub.faults.remove(fault)
            return fault
    return None


def handle(
    hub: Hub,
    api: str,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    observe: Observer | None,
) -> Reply:
    """Answer one request as GitHub would (everything but the socket)."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    path = path[len(GHE_PREFIX) :] if path.startswith(GHE_PREFIX + "/") else path
    req = Request(hub, api, method, path, dict(parse_qsl(parts.query)), headers, body)
    entry = LoggedRequest(method, path, parts.query, dict(headers), body)
    with hub.lock:
        hub.log.append(entry)
        reply = _answer(req)
        reply.headers.setdefault("x-github-request-id", secrets.token_hex(8).upper())
        entry.status = reply.status
    if observe is not None and reply.status != DROP:
        observe(req, reply)
    return reply


def _answer(req: Request) -> Reply:
    now = time.time()
    found = ROUTER.find(req.method, req.path)
    if found is None:
        return Reply(404, shapes.error("Not Found", shapes.DOCS, 404))
    route, req.params = found
    fault = _take_fault(req.hub, req.method, req.path)
    try:
        if route.auth == "jwt":
            req.app = auth.app(req)
        else:
            req.token = auth.token(req)
            _count(req.token, now)
        if fault is not None:
            reply = Reply(fault.status, fault.body, {**_rate_headers(req.token, now), **fault.headers})
            reply.headers["x-stand-in-fault"] = "1"
            return reply
        reply = route.handler(req)
    except Fail as failure:
        reply = failure.reply
    return Reply(reply.status, reply.body, {**_rate_headers(req.token, now), **reply.headers}, reply.raw)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no delayed-ACK stall

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        srv = self.server
        reply = handle(srv.hub, srv.api, self.command, self.path, headers, body, srv.observe)
        data = (
            reply.raw
            if reply.raw is not None
            else b""
            if reply.body is None
            else json.dumps(reply.body).encode()
        )
        if reply.status == DROP:
            self.close_connection = True
            return
        self.send_response(reply.status)
        if reply.raw is None and reply.body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("x-github-media-type", "github.v3; format=json")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log on the hub is the record."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, hub: Hub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hub = hub
        self.api = f"http://127.0.0.1:{self.server_address[1]}"
        self.observe: Observer | None = None


class Server:
    """The stand-in listening on a free port of 127.0.0.1 (``url`` is the API root)."""

    def __init__(self, hub: Hub) -> None:
        self._server = _Server(hub)
        self._thread = threading.Thread(target=self._server.serve_forever, name="github-standin", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return self._server.api

    @property
    def hub(self) -> Hub:
        return self._server.hub

    @hub.setter
    def hub(self, hub: Hub) -> None:
        self._server.hub = hub

    def observe(self, observer: Observer | None) -> None:
        self._server.observe = observer

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
