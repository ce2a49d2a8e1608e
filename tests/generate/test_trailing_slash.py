"""A spec path that ends in "/" keeps it in the request (Kubernetes' `/.well-known/openid-configuration/`
went out without it and a mock routing strictly answered 404), and the checks still find its
operation; a path without one, and the root, are unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from agent.boundary.inbound.redact import Redactor
from agent.check.batch import findings_of
from agent.check.spec_context import SpecContext
from agent.generate.deterministic import generate
from agent.generate.postman import build_collection
from agent.models import SpecDocument
from agent.plan import plan
from agent.specs.document import path_index


def _spec(path: str) -> SpecDocument:
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}, "example": "x1"}
        for n in ("id",)
        if "{id}" in path
    ]
    ok = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}, "example": {}}}}
    op = {"parameters": params, "responses": {"200": ok}}
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {path: {"get": op}}}
    return SpecDocument(ref="t.json", version="3.0.3", document=doc)


def _items(spec: SpecDocument) -> list[dict[str, Any]]:
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    collection = build_collection("t", proposals, base_url="http://127.0.0.1:9", document=spec.document)
    errors = [f for p in proposals for f in findings_of(p, spec, Redactor()) if f.severity == "error"]
    assert proposals and errors == []  # every test is kept by our own checks
    return [i for i in collection["item"] if "request" in i] or [
        leaf for folder in collection["item"] for leaf in folder.get("item", [])
    ]


@pytest.mark.parametrize(
    ("path", "raw_tail", "segments"),
    [
        (
            "/.well-known/openid-configuration/",
            "/.well-known/openid-configuration/",
            [".well-known", "openid-configuration", ""],
        ),
        ("/openid/v1/jwks/", "/openid/v1/jwks/", ["openid", "v1", "jwks", ""]),
        ("/things/{id}/", "/things/{{thing_id}}/", ["things", "{{thing_id}}", ""]),
        ("/things/{id}", "/things/{{thing_id}}", ["things", "{{thing_id}}"]),
        ("/", "/", []),
    ],
)
def test_the_request_keeps_the_spec_paths_trailing_slash(
    path: str, raw_tail: str, segments: list[str]
) -> None:
    spec = _spec(path)
    items = _items(spec)
    assert items
    ctx = SpecContext(spec)
    for item in items:
        url = item["request"]["url"]
        assert url["raw"] == "{{baseUrl}}" + raw_tail
        assert url["path"] == segments
        op, _values = ctx.match("get", url["path"])
        assert op is not None and op.path == path


@pytest.mark.parametrize("values", [["a", "b"], ["a", "b", ""]])
def test_a_trailing_empty_segment_matches_either_template(values: list[str]) -> None:
    for template in ("/a/b", "/a/b/"):
        doc = _spec(template).document
        assert path_index(doc).match(values, "get") == template
