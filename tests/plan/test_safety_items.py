"""The safety class travels in each item (``pwSafety``), set from the spec, never by a model."""

from __future__ import annotations

from typing import Any

import pytest

from agent.boundary.outbound.policy import check_outbound
from agent.check import check_collection, check_proposal
from agent.generate.deterministic import generate
from agent.generate.llm import _proposal
from agent.generate.postman import build_collection, leaves
from agent.models import Proposal, SpecDocument
from agent.plan import plan
from agent.plan.safety import MARKER, marked

OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "example": "7"}}]
SPEC = SpecDocument(
    ref="shop.yaml",
    version="3.0.3",
    document={
        "openapi": "3.0.3",
        "info": {"title": "shop", "version": "1"},
        "paths": {
            "/things": {"get": {"responses": OK}, "post": {"responses": OK}},
            "/things/{id}": {"parameters": ID, "patch": {"responses": OK}, "delete": {"responses": OK}},
            "/auth/logout": {"get": {"responses": OK}},
            "/search": {"post": {"responses": OK}},
        },
    },
)
EXPECTED = {
    "GET /things": "read",
    "POST /things": "create",
    "PATCH /things/{id}": "write",
    "DELETE /things/{id}": "destructive",
    "GET /auth/logout": "destructive",
    "POST /search": "read",
}


def _proposals() -> list[Proposal]:
    return generate(plan([], [], SPEC, full_spec=True), SPEC)


def test_every_generated_item_carries_its_intents_class_and_passes_the_checks() -> None:
    proposals = _proposals()
    assert {p.intent.operation: p.intent.safety for p in proposals} == EXPECTED
    for proposal in proposals:
        assert marked(proposal.item) == proposal.intent.safety
        assert not [f for f in check_proposal(proposal, SPEC) if f.code == "safety-mismatch"]
    collection = build_collection("shop", proposals, base_url="http://127.0.0.1:1")
    assert check_collection(collection) == []  # a valid v2.1 collection: item variables are allowed
    assert not [f for f in check_outbound(collection) if f.severity == "error"]
    kept = {item["id"]: marked(item) for _, item in leaves(collection["item"])}
    assert kept == {p.id: p.intent.safety for p in proposals}  # the marker stays on the item


@pytest.mark.parametrize("lie", ["read", "write", "create", "", "safe"])
def test_a_marker_edited_down_is_refused_by_the_check(lie: str) -> None:
    logout = next(p for p in _proposals() if p.intent.operation == "GET /auth/logout")
    variables = [v if v.get("key") != MARKER else {**v, "value": lie} for v in logout.item["variable"]]
    edited = logout.model_copy(update={"item": {**logout.item, "variable": variables}})
    found = [f for f in check_proposal(edited, SPEC) if f.code == "safety-mismatch"]
    assert len(found) == 1 and found[0].severity == "error"


def test_a_model_cannot_choose_its_items_class() -> None:
    intent = next(i for i in plan([], [], SPEC, full_spec=True) if i.operation == "GET /auth/logout")
    raw: dict[str, Any] = {
        "name": "log out",
        "request": {"method": "GET", "url": "{{baseUrl}}/auth/logout"},
        "event": [],
        "variable": [{"key": MARKER, "value": "read"}],
    }
    made = _proposal(intent, 0, raw)
    assert made is not None and made.item["variable"] == [
        {"key": MARKER, "value": "destructive", "type": "string"}
    ]
    # and were it to slip one in, the check would refuse it
    forged = made.model_copy(update={"item": {**made.item, "variable": [{"key": MARKER, "value": "read"}]}})
    assert "safety-mismatch" in {f.code for f in check_proposal(forged, SPEC)}
