"""Two versions of a small API (as OpenAPI dicts) and a spec source that serves them."""

from __future__ import annotations

import copy
from typing import Any

from agent.models import SpecDocument

_THING = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}


def _json(status: str, schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"description": status, "content": {"application/json": media}}


OLD: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Things", "version": "1.0.0"},
    "paths": {
        "/things": {
            "get": {
                "operationId": "listThings",
                "responses": {
                    "200": _json("200", {"type": "array", "items": _THING}, [{"id": 1, "name": "a"}])
                },
            }
        }
    },
}


def new_spec() -> dict[str, Any]:
    """The old API plus GET /widgets (read, with a required query) and POST /things."""
    doc = copy.deepcopy(OLD)
    doc["info"]["version"] = "2.0.0"
    doc["paths"]["/widgets"] = {
        "get": {
            "operationId": "listWidgets",
            "parameters": [{"name": "kind", "in": "query", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": _json("200", {"type": "array", "items": _THING}, [{"id": 2, "name": "w"}]),
                "400": _json("400", {"type": "object", "properties": {"error": {"type": "string"}}}),
            },
        }
    }
    return doc


class Specs:
    """A SpecSource over in-memory documents, by ref."""

    def __init__(self, docs: dict[str, dict[str, Any]]) -> None:
        self.docs = docs

    def load(self, ref: str) -> SpecDocument:
        return SpecDocument(ref=ref, version="3.0.3", document=copy.deepcopy(self.docs[ref]))
