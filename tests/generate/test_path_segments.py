"""A path value is one URL segment (OpenAPI's simple style): a default or a value found at run
time that holds "/", "?", "#" or "%" is sent encoded (GitHub's ref "heads/main" was sent as two
segments, and the mock answered 404 for 19 tests)."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from agent.boundary.outbound.policy import check_collection_scripts
from agent.generate import variables
from agent.generate.deterministic import generate
from agent.generate.postman import build_collection
from agent.generate.variables import SEGMENT_JS, segment
from agent.models import SpecDocument
from agent.plan import plan

VALUES = {
    "heads/feature-a": "heads%2Ffeature-a",
    "refs/heads/main": "refs%2Fheads%2Fmain",
    "a?b=c": "a%3Fb=c",
    "top#frag": "top%23frag",
    "50%/x": "50%25%2Fx",
    "plain-value_1": "plain-value_1",
}


def _spec(paths: dict[str, Any]) -> SpecDocument:
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    return SpecDocument(ref="t.json", version="3.0.3", document=doc)


def _get(params: list[dict[str, Any]], body: Any = None) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "ok"}
    if body is not None:
        ok["content"] = {"application/json": {"schema": body}}
    return {"get": {"parameters": params, "responses": {"200": ok}}}


@pytest.mark.parametrize("raw", sorted(VALUES))
def test_segment_encodes_what_would_split_a_segment(raw: str) -> None:
    assert segment(raw) == VALUES[raw]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_javascript_twin_encodes_the_same() -> None:
    mapped = f"{json.dumps(sorted(VALUES))}.map(function (v) {{ return v{SEGMENT_JS}; }})"
    source = f"console.log(JSON.stringify({mapped}))"
    done = subprocess.run(["node", "-e", source], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(done.stdout) == [VALUES[v] for v in sorted(VALUES)]


@pytest.mark.parametrize("raw", sorted(VALUES))
def test_a_path_default_is_one_segment_and_a_query_default_is_as_given(raw: str) -> None:
    spec = _spec(
        {
            "/refs/{ref}": _get(
                [
                    {
                        "name": "ref",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "example": raw,
                    }
                ]
            ),
            "/search": _get(
                [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}, "example": raw}]
            ),
        }
    )
    table = variables.table(spec.document)
    by_param = {w: v for (_m, _p, w, _n), v in table.by_param.items()}
    assert by_param["path"].default == VALUES[raw] and by_param["path"].example
    assert by_param["query"].default == raw


def test_a_value_found_for_a_path_is_encoded_and_one_for_a_query_only_is_not() -> None:
    ref = {"type": "object", "properties": {"ref": {"type": "string"}, "tag": {"type": "string"}}}
    listing = {"type": "array", "items": ref}
    spec = _spec(
        {
            "/refs": _get([], listing),
            "/refs/{ref}": _get(
                [{"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}], ref
            ),
        }
    )
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    collection = build_collection("t", proposals, base_url="http://127.0.0.1:9", document=spec.document)
    setup = collection["item"][0]
    scripts = ["\n".join(i["event"][0]["script"]["exec"]) for i in setup["item"]]
    setters = [
        line.strip()
        for s in scripts
        for line in s.splitlines()
        if 'set("ref_ref"' in line or 'set("ref"' in line
    ]
    assert setters and all(SEGMENT_JS in line for line in setters), setters
    assert check_collection_scripts(collection) == []
