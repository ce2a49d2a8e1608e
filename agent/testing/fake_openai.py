"""A scripted OpenAI-compatible server on 127.0.0.1, for tests and evals (real HTTP, stdlib only).

``POST /v1/chat/completions`` answers from a script: each request takes the next
:class:`Reply` (or calls the next handler with the request body); when the script is empty
the ``default`` handler answers, else a 500. A reply can be JSON content, a tool call (chosen
automatically when the request offers tools), a refusal, a truncated answer, an HTTP error
with headers (429 + ``Retry-After``), a raw malformed body, or a delay (to provoke timeouts).
``GET /v1/models`` lists the model. Every request body is kept in ``requests``.

See :mod:`agent.testing.gullible` for the adversarial handler that obeys injected text.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_UNSET: Any = object()


@dataclass
class Reply:
    """One scripted answer."""

    obj: Any = _UNSET  # JSON value: a tool call when the request has tools, else content
    content: str | None = None  # literal message content (may be malformed JSON)
    tool_args: str | None = None  # literal tool-call arguments (may be malformed JSON)
    finish_reason: str | None = None  # default "stop" ("tool_calls" for tool calls)
    refusal: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # a raw HTTP body, sent as is
    delay: float = 0.0  # seconds to wait before answering
    usage: tuple[int, int] | None = None  # (prompt, completion) tokens; estimated if None


Handler = Callable[[dict[str, Any]], Reply]


def error(status: int, message: str = "scripted error", **headers: str) -> Reply:
    """An OpenAI-style error answer."""
    body = json.dumps({"error": {"message": message, "type": "fake", "code": None}}).encode()
    return Reply(status=status, body=body, headers={k.replace("_", "-"): v for k, v in headers.items()})


class FakeOpenAI:
    """The server; use as a context manager. ``base_url`` ends in ``/v1``."""

    def __init__(self, *script: Reply | Handler, default: Handler | None = None) -> None:
        self._script: deque[Reply | Handler] = deque(script)
        self.default = default
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def script(self, *replies: Reply | Handler) -> None:
        """Queue more answers."""
        with self._lock:
            self._script.extend(replies)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def start(self) -> FakeOpenAI:
        """Listen on a free loopback port, in a daemon thread."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (and wake any delayed answer)."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            step = self._script.popleft() if self._script else None
        if step is None:
            return self.default(body) if self.default else error(500, "no scripted reply left")
        return step if isinstance(step, Reply) else step(body)

    def answer(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        """Record the request and pick its reply."""
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            count = len(self.requests)
        reply = self._next(body)
        if reply.delay:
            self._stop.wait(reply.delay)
        reply.headers.setdefault("x-fake-request", str(count))
        return reply


def completion_body(body: dict[str, Any], reply: Reply, number: int) -> dict[str, Any]:
    """The ``chat.completion`` object for a reply."""
    tools = body.get("tools") or []
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": reply.refusal}
    finish = reply.finish_reason
    args = reply.tool_args
    if args is None and reply.obj is not _UNSET and tools:
        args = json.dumps(reply.obj)
    if args is not None:
        name = (tools[0].get("function") or {}).get("name", "tool") if tools else "tool"
        message["tool_calls"] = [
            {"id": f"call_{number}", "type": "function", "function": {"name": name, "arguments": args}}
        ]
        finish = finish or "tool_calls"
    elif reply.content is not None:
        message["content"] = reply.content
    elif reply.obj is not _UNSET:
        message["content"] = json.dumps(reply.obj)
    text = str(message.get("content") or args or "")
    prompt, output = reply.usage or (len(json.dumps(body.get("messages", []))) // 4, len(text) // 4 + 1)
    return {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": 0,
        "model": str(body.get("model", "fake")),
        "choices": [{"index": 0, "message": message, "finish_reason": finish or "stop", "logprobs": None}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output},
    }


def _make_handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                data = {"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "fake"}]}
                self._send(200, json.dumps(data).encode(), {})
            else:
                self._send(404, b'{"error": {"message": "not found"}}', {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, b'{"error": {"message": "only /v1/chat/completions"}}', {})
                return
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._send(400, b'{"error": {"message": "request body is not JSON"}}', {})
                return
            reply = fake.answer(body, {k.lower(): v for k, v in self.headers.items()})
            if reply.body is not None or reply.status != 200:
                self._send(reply.status, reply.body or b"{}", reply.headers)
                return
            data = completion_body(body, reply, len(fake.requests))
            self._send(200, json.dumps(data).encode(), reply.headers)

    return _Handler
