"""The shared path index and the per-spec validation context."""

from __future__ import annotations

import copy
from typing import Any

from agent.check import SpecContext, check_collection
from agent.models import SpecDocument
from agent.specs.document import path_index


def _doc(paths: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            p: {m: {"responses": {"200": {"description": "ok"}}} for m in ms} for p, ms in paths.items()
        },
    }


DOC = _doc(
    {
        "/pets": ["get", "post"],
        "/pets/{petId}": ["get", "delete"],
        "/pets/mine": ["post"],
        "/files/{name}.{ext}": ["get"],
        "/files/{name}.json": ["get"],
        "/a/{x}/c": ["get"],
        "/a/b/{z}": ["get"],
    }
)


def test_lookup_by_method_and_template() -> None:
    index = path_index(DOC)
    assert index is path_index(DOC)  # built once per document
    found = index.get("GET", "/pets/{petId}")
    assert found is not None and found.key == "GET /pets/{petId}"
    assert index.get("put", "/pets") is None
    assert len(list(index)) == 9


def test_matching_prefers_literals_leftmost_and_honours_the_method() -> None:
    index = path_index(DOC)
    assert index.match(["pets", "mine"]) == "/pets/mine"
    assert index.match(["pets", "mine"], "GET") == "/pets/{petId}"  # /pets/mine has no GET
    assert index.match(["pets", "7"], "POST") is None
    assert index.match(["a", "b", "c"]) == "/a/b/{z}"
    assert index.match(["files", "r.json"]) == "/files/{name}.{ext}"  # equal scores: document order
    assert index.match(["files", "r.pdf"]) == "/files/{name}.{ext}"
    assert index.path_values("/files/{name}.{ext}", ["files", "r.pdf"]) == {"name": "r", "ext": "pdf"}
    assert index.match(["pets"], "get") == "/pets" and index.match([]) is None


def test_context_matches_request_lines_and_is_kept_per_document() -> None:
    spec = SpecDocument(ref="t.yaml", version="3.0.3", document=copy.deepcopy(DOC))
    context = SpecContext(spec)
    op, values = context.match("delete", ["pets", "42"])
    assert op is not None and op.key == "DELETE /pets/{petId}" and values == {"petId": "42"}
    assert context.match("put", ["pets", "42"]) == (None, {})
    other = SpecDocument(ref="t.yaml", version="3.0.3", document=copy.deepcopy(DOC))
    assert path_index(other.document) is not path_index(spec.document)


def test_collection_schema_errors_keep_their_paths() -> None:
    broken = {
        "info": {
            "name": "x",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": [{"name": "ok", "request": {"url": "{{baseUrl}}/a", "method": "GET"}}, {"name": 5}],
    }
    findings = [f for f in check_collection(broken) if f.code == "collection-schema"]
    assert findings and all(f.location and f.location.startswith("/item/1") for f in findings)
    assert all(f.message.startswith("not a valid Postman v2.1 collection: ") for f in findings)


def test_templates_differing_only_in_parameter_names_keep_each_ones_methods() -> None:
    # Phoenix 20: GET /v1/annotation_configs/{config_identifier}, PUT/DELETE …/{config_id}
    index = path_index(
        _doc(
            {
                "/configs/{config_identifier}": ["get"],
                "/configs/{config_id}": ["put", "delete"],
                "/u/{a}/keys/{k}": ["get"],
                "/u/{b}/keys/{k}": ["patch"],
                "/u/{c}/keys/{j}": ["post"],
                "/f/{n}.{e}": ["get"],
                "/f/{m}.{x}": ["head"],
            }
        )
    )
    assert index.match(["configs", "7"], "GET") == "/configs/{config_identifier}"
    assert index.match(["configs", "7"], "put") == "/configs/{config_id}"
    assert index.match(["configs", "7"], "DELETE") == "/configs/{config_id}"
    assert index.path_values("/configs/{config_id}", ["configs", "7"]) == {"config_id": "7"}
    assert index.match(["configs", "7"]) == "/configs/{config_identifier}"  # no method: document order
    assert index.match(["configs", "7"], "POST") is None
    assert index.match(["u", "1", "keys", "2"], "patch") == "/u/{b}/keys/{k}"
    assert index.match(["u", "1", "keys", "2"], "post") == "/u/{c}/keys/{j}"
    assert index.match(["f", "r.pdf"], "head") == "/f/{m}.{x}"
