"""Publishing a collection with a pw-setup folder: its requests have ids (no refusal), the
folder goes first in the user's file and a second publish replaces it in place."""

from __future__ import annotations

from typing import Any

import pytest

from agent.generate.deterministic import generate
from agent.generate.postman import build_collection
from agent.models import SpecDocument
from agent.plan import plan
from agent.publish.merge import merge_collection
from agent.runner.report import leaf_items


def _spec(field: str) -> SpecDocument:
    thing = {"type": "object", "properties": {field: {"type": "string"}}}
    ok: dict[str, Any] = {"description": "ok", "content": {"application/json": {"schema": thing}}}
    many = {
        "description": "ok",
        "content": {"application/json": {"schema": {"type": "array", "items": thing}}},
    }
    param = {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {"get": {"responses": {"200": many}}},
            "/things/{thing_id}": {"get": {"parameters": [param], "responses": {"200": ok}}},
        },
    }
    return SpecDocument(ref="t.json", version="3.0.3", document=doc)


def _generated(field: str = "id") -> dict[str, Any]:
    spec = _spec(field)
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    return build_collection("t", proposals, base_url="", document=spec.document)


HUMAN = {
    "name": "mine",
    "item": [{"id": "h-1", "name": "h", "request": {"method": "GET", "url": "{{baseUrl}}/x"}}],
}


@pytest.mark.parametrize(
    "existing", [None, {"info": {"name": "mine"}, "item": [HUMAN]}], ids=["new", "existing"]
)
def test_the_setup_folder_is_published_first_and_replaced_in_place(existing: dict[str, Any] | None) -> None:
    generated = _generated()
    merged = merge_collection(existing, generated)
    assert merged["item"][0]["name"] == "pw-setup"
    again = merge_collection(merged, _generated())
    assert again == merged  # the same ids: replaced in place, never duplicated
    setup_ids = [i["id"] for i in merged["item"][0]["item"]]
    assert setup_ids and all(i.startswith("pw-setup-") for i in setup_ids)
    assert not {i for i, _ in leaf_items(merged)} & set(setup_ids)  # never reported as tests


@pytest.mark.parametrize("field", ["id", "thing_id"])
def test_setup_ids_are_stable_across_generations(field: str) -> None:
    assert _generated(field)["item"][0]["item"][0]["id"] == _generated(field)["item"][0]["item"][0]["id"]
