"""A small real HTTP API on 127.0.0.1 in two versions, with the OpenAPI description of each.

Version 1 serves ``GET /things``. Version 2 adds ``GET /widgets`` (a required ``kind`` query
parameter, 400 without it) and ``GET /gadgets``, which its spec says answers 200 but which this
deployment refuses with 422 and an error body that echoes a credential (the drift the tests
must report with the credential redacted); ``GET /things`` gains an optional ``limit``.
"""

from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from agent.models import SpecDocument

THING = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}


def _json(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"description": "json", "content": {"application/json": media}}


def old_spec() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Things", "version": "1.0.0"},
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "responses": {"200": _json({"type": "array", "items": THING}, [{"id": 1, "name": "a"}])},
                }
            }
        },
    }


def new_spec() -> dict[str, Any]:
    doc = copy.deepcopy(old_spec())
    doc["info"]["version"] = "2.0.0"
    doc["paths"]["/things"]["get"]["parameters"] = [
        {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}}
    ]
    doc["paths"]["/widgets"] = {
        "get": {
            "operationId": "listWidgets",
            "parameters": [{"name": "kind", "in": "query", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": _json({"type": "array", "items": THING}, [{"id": 2, "name": "w"}]),
                "400": _json(ERROR, {"error": "kind is required"}),
            },
        }
    }
    doc["paths"]["/gadgets"] = {
        "get": {
            "operationId": "listGadgets",
            "responses": {"200": _json({"type": "array", "items": THING}, [{"id": 3, "name": "g"}])},
        }
    }
    return doc


class Server:
    """Version ``version`` (1 or 2) of the API on a free loopback port; ``canary`` leaks in its 422."""

    def __init__(self, version: int, canary: str) -> None:
        outer = self
        self.calls: list[str] = []

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                outer.calls.append(url.path)
                status, body = outer.answer(url.path, parse_qs(url.query))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.version, self.canary = version, canary
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if path == "/things":
            return 200, [{"id": 1, "name": "a"}]
        if self.version < 2:
            return 404, {"error": "no such route"}
        if path == "/widgets":
            return (
                (200, [{"id": 2, "name": "w"}]) if query.get("kind") else (400, {"error": "kind is required"})
            )
        if path == "/gadgets":  # this deployment's own rule: the spec says 200
            return 422, {"detail": "gadgets are disabled here", "session": "Bearer " + self.canary}
        return 404, {"error": "no such route"}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Specs:
    """A SpecSource over in-memory documents, by ref."""

    def __init__(self, docs: dict[str, dict[str, Any]]) -> None:
        self.docs = docs

    def load(self, ref: str) -> SpecDocument:
        return SpecDocument(ref=ref, version="3.0.3", document=copy.deepcopy(self.docs[ref]))
