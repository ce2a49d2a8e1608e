"""A GitLab stand-in: a real HTTP server on 127.0.0.1 answering GitLab's REST API v4 (the adapter's part).

What it holds to, per GitLab's documentation pages ("REST API" overview, "Rate limits",
"Personal/Project access tokens"):
- authentication by ``PRIVATE-TOKEN: <token>`` or ``Authorization: Bearer <token>``; otherwise
  401 ``{"message": "401 Unauthorized"}``;
- ``:id`` is a numeric id or the URL-encoded ``group/project`` path; every other path segment
  (branch names, file paths) is URL-encoded too;
- offset pagination: ``page``/``per_page`` (default 20, at most 100) and the ``X-Page``,
  ``X-Per-Page``, ``X-Total``, ``X-Total-Pages``, ``X-Next-Page``, ``X-Prev-Page`` and ``Link``
  (``rel="next"``, ``"prev"``, ``"first"``, ``"last"``) headers;
- past the limit 429 with ``Retry-After``, ``RateLimit-Limit``, ``RateLimit-Observed``,
  ``RateLimit-Remaining``, ``RateLimit-Reset`` (Unix time) and ``RateLimit-ResetTime``, and the
  plain-text body "Retry later" (GitLab's throttle answer); ``rate_headers_always`` adds the
  RateLimit-* headers to every answer, as an instance may;
- errors as JSON ``{"message": ...}`` (a string, or a list/object for validation errors).

Faults are queued with ``fail(...)``; ``log`` keeps every request (headers and body) for the
canary searches.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from tests.gitlab import routes
from tests.gitlab.model import ApiError, Instance, Project, User

Handler = Callable[[Instance, User, Project, list[str], dict[str, Any]], routes.Reply]

# (method, path after /projects/:id, handler, whether the answer is a paginated list)
_PROJECT_ROUTES: list[tuple[str, re.Pattern[str], Handler, bool]] = [
    ("GET", re.compile(r""), routes.get_project, False),
    ("GET", re.compile(r"/repository/branches/(?P<a>[^/]+)"), routes.branch, False),
    ("DELETE", re.compile(r"/repository/branches/(?P<a>[^/]+)"), routes.branch, False),
    ("POST", re.compile(r"/repository/branches"), routes.create_branch, False),
    ("GET", re.compile(r"/repository/files/(?P<a>[^/]+)/raw"), routes.raw_file, False),
    ("POST", re.compile(r"/repository/commits"), routes.create_commit, False),
    ("GET", re.compile(r"/repository/commits"), routes.list_commits, True),
    ("GET", re.compile(r"/repository/compare"), routes.compare, False),
    ("GET", re.compile(r"/merge_requests"), routes.list_mrs, True),
    ("POST", re.compile(r"/merge_requests"), routes.create_mr, False),
    ("GET", re.compile(r"/merge_requests/(?P<a>[^/]+)"), routes.merge_request, False),
    ("PUT", re.compile(r"/merge_requests/(?P<a>[^/]+)"), routes.merge_request, False),
    ("GET", re.compile(r"/merge_requests/(?P<a>[^/]+)/notes"), routes.notes, True),
    ("POST", re.compile(r"/merge_requests/(?P<a>[^/]+)/notes"), routes.notes, False),
    ("PUT", re.compile(r"/merge_requests/(?P<a>[^/]+)/notes/(?P<b>[^/]+)"), routes.notes, False),
]
_PREFIX = "/api/v4"
DROP = 0  # a fault status: close the connection without answering


@dataclass
class Fault:
    """Answer the next ``times`` matching requests with ``status`` (and headers/body) instead."""

    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: bytes
    times: int


@dataclass
class Logged:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0
    at: float = field(default_factory=time.monotonic)

    @property
    def route(self) -> str:
        """The decoded path after /api/v4, without the query (what faults match)."""
        return unquote(urlsplit(self.path).path.removeprefix(_PREFIX))

    def text(self) -> str:
        """Everything the client sent, for canary searches."""
        head = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.path}\n{head}\n\n{self.body.decode(errors='replace')}"


class StandIn:
    """The server's state: the instance, queued faults, the request log, the rate limit."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.gl = Instance(web=url)
        self.faults: list[Fault] = []
        # callbacks run before a request is answered: a person acting mid-publish
        self.before: list[Callable[[str, str], None]] = []
        self.log: list[Logged] = []
        self.rate_limit = 2000
        # GitLab sends RateLimit-* with a throttled (429) answer; True: with every answer too
        self.rate_headers_always = False
        self._window: tuple[int, int] = (0, 0)  # (minute, requests seen in it)
        self._lock = threading.Lock()

    @property
    def api_url(self) -> str:
        return self.url + _PREFIX

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Queue a fault for requests whose method and path (after /api/v4, decoded) match.

        ``status`` ``DROP`` closes the connection without an answer."""
        raw = body if isinstance(body, bytes) else json.dumps(body or {"message": f"{status} fault"}).encode()
        with self._lock:
            self.faults.append(Fault(method, re.compile(path), status, headers or {}, raw, times))

    def clear(self) -> None:
        """Forget queued faults, the request log and the rate window (between tests on one server)."""
        with self._lock:
            self.faults.clear()
            self.before.clear()
            self.log.clear()
            self._window = (0, 0)
            self.rate_limit = 2000
            self.rate_headers_always = False

    def requests(self, method: str | None = None, path: str = "") -> list[Logged]:
        """Logged requests by method and a regex over the decoded path after /api/v4 (no query)."""
        return [r for r in self.log if method in (None, r.method) and re.search(path, r.route)]

    def _fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.path.search(unquote(path)):
                    fault.times -= 1
                    return fault
        return None

    def rate_headers(self) -> tuple[dict[str, str], bool]:
        """GitLab's RateLimit-* headers for this request, and whether it is over the limit."""
        with self._lock:
            minute = int(time.time()) // 60
            seen = self._window[1] + 1 if self._window[0] == minute else 1
            self._window = (minute, seen)
        reset = (minute + 1) * 60
        headers = {
            "RateLimit-Limit": str(self.rate_limit),
            "RateLimit-Observed": str(seen),
            "RateLimit-Remaining": str(max(0, self.rate_limit - seen)),
            "RateLimit-Reset": str(reset),
            "RateLimit-ResetTime": formatdate(reset, usegmt=True),
        }
        return headers, seen > self.rate_limit

    def dispatch(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """The whole answer to one request."""
        split = urlsplit(raw_path)
        for callback in list(self.before):
            callback(method, unquote(split.path.removeprefix(_PREFIX)))
        limits, over = self.rate_headers()
        rate = limits if self.rate_headers_always else {}
        fault = self._fault(method, split.path.removeprefix(_PREFIX))
        if fault is not None:
            return fault.status, {**(limits if fault.status == 429 else rate), **fault.headers}, fault.body
        if over:
            retry = str(int(limits["RateLimit-Reset"]) - int(time.time()))
            return 429, {**limits, "Retry-After": retry, "Content-Type": "text/plain"}, b"Retry later\n"
        params: dict[str, Any] = dict(parse_qsl(split.query))
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                return _error(400, "400 Bad request - body is not valid JSON", rate)
            if isinstance(parsed, dict):
                params.update(parsed)
        try:
            with self.gl.lock:
                user = self._user(headers)
                status, reply, paged = self._route(method, split.path, user, params)
        except ApiError as exc:
            return _error(exc.status, exc.message, rate)
        if isinstance(reply, bytes):
            return status, {**rate, "Content-Type": "text/plain; charset=utf-8"}, reply
        if paged:
            reply, more = _page(reply, params, f"{self.url}{split.path}")
            rate.update(more)
        if reply is None:
            return status, rate, b""
        return status, {**rate, "Content-Type": "application/json"}, json.dumps(reply).encode()

    def _user(self, headers: dict[str, str]) -> User:
        token = headers.get("private-token")
        auth = headers.get("authorization", "")
        if token is None and auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        user_id = self.gl.tokens.get(token or "")
        if user_id is None:
            raise ApiError(401, "401 Unauthorized")
        return self.gl.users[user_id]

    def _route(self, method: str, path: str, user: User, params: dict[str, Any]) -> tuple[int, Any, bool]:
        if not path.startswith(_PREFIX + "/"):
            raise ApiError(404, "404 Not Found")
        rest = path.removeprefix(_PREFIX)
        if rest == "/user" and method == "GET":
            return 200, user.current(self.gl.web), False
        found = re.fullmatch(r"/projects/(?P<id>[^/]+)(?P<rest>.*)", rest)
        if found is None:
            raise ApiError(404, "404 Not Found")
        project = self.gl.project(unquote(found["id"]))
        for verb, pattern, handler, paged in _PROJECT_ROUTES:
            hit = pattern.fullmatch(found["rest"])
            if verb == method and hit is not None:
                args = [method, *(unquote(v) for v in hit.groups())] if hit.groups() else []
                if handler is routes.raw_file:
                    args = args[1:]
                status, reply = handler(self.gl, user, project, args, params)
                return status, reply, paged
        raise ApiError(404, "404 Not Found")


def _error(status: int, message: Any, rate: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    return status, {**rate, "Content-Type": "application/json"}, json.dumps({"message": message}).encode()


def _page(items: list[Any], params: dict[str, Any], url: str) -> tuple[list[Any], dict[str, str]]:
    """One page of ``items`` and GitLab's offset-pagination headers."""
    try:
        page = max(1, int(params.get("page", 1)))
        per_page = min(100, max(1, int(params.get("per_page", 20))))
    except ValueError:
        raise ApiError(400, "page is invalid") from None
    pages = max(1, -(-len(items) // per_page))
    query = {k: v for k, v in params.items() if k not in ("page", "per_page") and isinstance(v, str)}

    def link(n: int, rel: str) -> str:
        qs = "&".join(
            f"{quote(k)}={quote(v)}" for k, v in {**query, "page": str(n), "per_page": str(per_page)}.items()
        )
        return f'<{url}?{qs}>; rel="{rel}"'

    links = [link(page + 1, "next")] if page < pages else []
    links += [link(page - 1, "prev")] if page > 1 else []
    links += [link(1, "first"), link(pages, "last")]
    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(per_page),
        "X-Total": str(len(items)),
        "X-Total-Pages": str(pages),
        "X-Next-Page": str(page + 1) if page < pages else "",
        "X-Prev-Page": str(page - 1) if page > 1 else "",
        "Link": ", ".join(links),
    }
    return items[(page - 1) * per_page : page * per_page], headers


def _handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            entry = Logged(self.command, self.path, headers, body)
            state.log.append(entry)
            status, out_headers, out = state.dispatch(self.command, self.path, headers, body)
            entry.status = status
            if status == DROP:  # the connection closes with no answer: a network error for the client
                self.close_connection = True
                return
            self.send_response(status)
            for name, value in out_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            if out and self.command != "HEAD":
                self.wfile.write(out)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the request log is ``state.log``."""

    return Handler


@contextmanager
def serve() -> Iterator[StandIn]:
    """A stand-in on a free 127.0.0.1 port for the block's duration."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(StandIn("")))
    state = StandIn(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(state)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="gitlab-stand-in", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
