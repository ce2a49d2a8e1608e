"""A small stateful notes API on 127.0.0.1 and its OpenAPI description: one session token,
and ``POST /logout`` revokes it for good (every later request gets 403)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agent.check import check_proposal
from agent.generate.deterministic import generate
from agent.generate.postman import build_collection
from agent.models import SpecDocument
from agent.plan import plan


def _json(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


NOTE = {
    "type": "object",
    "required": ["id", "text"],
    "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
}
DENIED = {"401": {"description": "no session"}, "403": {"description": "revoked"}}
BODY = {"required": True, "content": {"application/json": {"schema": {**NOTE, "required": ["text"]}}}}
SPEC = SpecDocument(
    ref="notes.yaml",
    version="3.0.3",
    document={
        "openapi": "3.0.3",
        "info": {"title": "notes", "version": "1"},
        "components": {"securitySchemes": {"session": {"type": "http", "scheme": "bearer"}}},
        "security": [{"session": []}],
        "paths": {
            "/notes": {
                "get": {
                    "operationId": "listNotes",
                    "responses": {**_json({"type": "array", "items": NOTE}), **DENIED},
                },
                "post": {
                    "operationId": "addNote",
                    "requestBody": BODY,
                    "responses": {**_json(NOTE, "201"), **DENIED},
                },
                "delete": {
                    "operationId": "clearNotes",
                    "responses": {"204": {"description": "gone"}, **DENIED},
                },
            },
            "/me": {"get": {"operationId": "whoAmI", "responses": {**_json({"type": "object"}), **DENIED}}},
            "/settings": {
                "get": {"operationId": "getSettings", "responses": {**_json({"type": "object"}), **DENIED}},
                "put": {
                    "operationId": "putSettings",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": {**_json({"type": "object"}), **DENIED},
                },
            },
            "/status": {
                "get": {"operationId": "status", "security": [], "responses": _json({"type": "object"})}
            },
            "/logout": {
                "post": {"operationId": "logout", "responses": {"204": {"description": "revoked"}, **DENIED}}
            },
        },
    },
)


class NotesServer:
    """A stateful API on 127.0.0.1: one session token; POST /logout revokes it for good."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.revoked = False
        self.notes: list[dict[str, str]] = [{"id": "n1", "text": "first"}]
        self.calls: dict[str, int] = {}
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                outer.handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def reset(self) -> None:
        self.revoked, self.notes, self.calls = False, [{"id": "n1", "text": "first"}], {}

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?")[0].rstrip("/")
        key = f"{request.command} {path}"
        self.calls[key] = self.calls.get(key, 0) + 1
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        status, answer = self.route(key, request.headers.get("Authorization", ""), body)
        data = b"" if answer is None else json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def route(self, key: str, auth: str, body: bytes) -> tuple[int, Any]:
        if key == "GET /status":
            return 200, {"up": True}
        if auth != f"Bearer {self.token}":
            return 401, {"error": "no session"}
        if self.revoked:
            return 403, {"error": "session revoked"}
        if key == "POST /logout":
            self.revoked = True
            return 204, None
        if key == "GET /notes":
            return 200, self.notes
        if key == "POST /notes":
            text = json.loads(body or b"{}").get("text")
            if not isinstance(text, str):
                return 400, {"error": "text"}
            note = {"id": f"n{len(self.notes) + 1}", "text": text}
            self.notes.append(note)
            return 201, note
        if key == "DELETE /notes":
            self.notes = []
            return 204, None
        if key in ("GET /me", "GET /settings", "PUT /settings"):
            return 200, {"user": "ann"}
        return 404, {"error": "no route"}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def kept_collection(base_url: str) -> dict[str, Any]:
    """The tests that pass the check stage for the notes API, as one collection."""
    proposals = generate(plan([], [], SPEC, full_spec=True), SPEC)
    kept = [p for p in proposals if not [f for f in check_proposal(p, SPEC) if f.severity == "error"]]
    assert {p.intent.operation for p in kept} >= {
        "POST /logout",
        "DELETE /notes",
        "GET /notes",
        "POST /notes",
    }
    return build_collection("notes", kept, base_url=base_url)
