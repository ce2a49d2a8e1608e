"""Response schemas are defined once per collection (a collection variable), not inlined per item."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.check import check_proposal
from agent.generate import scripts
from agent.generate.deterministic import generate
from agent.generate.postman import build_collection, leaves
from agent.models import Proposal, SpecDocument
from agent.plan import plan


def _spec(operations: int, properties: int, *, shared_ref: bool = True) -> SpecDocument:
    """``operations`` GET operations whose 200 response is one object of ``properties`` fields
    (the first an enum, the others strings with a pattern)."""
    fields = {f"p{i}": {"type": "string", "pattern": "^[a-z]+$"} for i in range(1, properties)}
    thing = {
        "type": "object",
        "required": ["p0"],
        "properties": {"p0": {"type": "string", "enum": ["a", "b"]}, **fields},
    }
    schema: dict[str, Any] = {"$ref": "#/components/schemas/Thing"} if shared_ref else thing
    ok = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    paths = {
        f"/things{n}": {"get": {"operationId": f"get{n}", "responses": {"200": ok}}}
        for n in range(operations)
    }
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "things", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Thing": thing}},
    }
    return SpecDocument(ref="things.json", version="3.0.3", document=doc)


def _generated(spec: SpecDocument) -> tuple[list[Proposal], dict[str, Any]]:
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    return proposals, build_collection("things", proposals, base_url="http://127.0.0.1:1")


def _schema_variables(collection: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in collection["variable"] if v["key"].startswith(scripts.SCHEMA_VARIABLE)]


@pytest.mark.parametrize("shared_ref", [True, False], ids=["ref", "inline"])
@pytest.mark.parametrize("operations", [3, 12])
def test_one_schema_is_defined_once_whatever_the_number_of_items(operations: int, shared_ref: bool) -> None:
    spec = _spec(operations, 60, shared_ref=shared_ref)
    proposals, collection = _generated(spec)
    defined = _schema_variables(collection)
    assert len(defined) == 1
    readers = 0
    for _, item in leaves(collection["item"]):
        own = [v["key"] for v in item.get("variable", [])]
        assert not [k for k in own if k.startswith(scripts.SCHEMA_VARIABLE)]  # moved out of the item
        test = next(e for e in item["event"] if e["listen"] == "test")  # a guard may come first
        source = "\n".join(test["script"]["exec"])
        assert "p59" not in source  # the schema is not inlined
        readers += f'pm.collectionVariables.get("{defined[0]["key"]}")' in source
    assert readers >= operations
    assert json.loads(defined[0]["value"])["properties"]["p59"] == {"pattern": "^[a-z]+$", "type": "string"}


def test_collection_size_is_linear_in_the_number_of_tests() -> None:
    """An 8x larger schema leaves the size per item as it was; twice the items, twice the size."""

    def per_item(operations: int, properties: int) -> float:
        proposals, collection = _generated(_spec(operations, properties))
        schemas = sum(len(v["value"]) for v in _schema_variables(collection))
        return (len(json.dumps(collection)) - schemas) / len(proposals)

    small, large = per_item(8, 50), per_item(8, 400)
    assert large == pytest.approx(small, rel=0.25)  # no copy of the schema per item
    assert per_item(16, 50) == pytest.approx(small, rel=0.25)


def test_items_and_the_collection_pass_our_checks_with_the_shared_schema() -> None:
    spec = _spec(4, 30)
    proposals, collection = _generated(spec)
    assert all(check_proposal(p, spec) == [] for p in proposals)  # the item still carries its schema
    shared = {v["key"]: v["value"] for v in collection["variable"]}
    for _, item in leaves(collection["item"]):  # as validate reads a collection file back
        proposal = next(p for p in proposals if p.id == item["id"]).model_copy(update={"item": item})
        assert [f.code for f in check_proposal(proposal, spec, shared=shared)] == []
        errors = [f.code for f in check_proposal(proposal, spec) if f.severity == "error"]
        if any("JSON.parse" in line for line in item["event"][0]["script"]["exec"]):
            assert errors == ["schema-assertion"]  # reads a variable nothing defines


def test_a_tampered_shared_schema_is_caught() -> None:
    spec = _spec(2, 5)
    proposals, collection = _generated(spec)
    variable = _schema_variables(collection)[0]
    shared = {variable["key"]: variable["value"].replace("[a-z]", "[a-y]")}
    item = next(i for _, i in leaves(collection["item"]) if "JSON.parse" in str(i["event"]))
    proposal = next(p for p in proposals if p.id == item["id"]).model_copy(update={"item": item})
    assert "schema-assertion" in [f.code for f in check_proposal(proposal, spec, shared=shared)]


def test_a_schema_over_the_cap_is_left_out_with_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scripts, "MAX_SCHEMA_CHARS", 200)
    spec = _spec(2, 40)
    proposals, collection = _generated(spec)
    assert _schema_variables(collection) == []
    left_out = [f for p in proposals for f in p.findings if f.message.startswith("schema assertion left out")]
    assert left_out and all(f.severity == "warning" and "cap" in f.message for f in left_out)
    assert all(p.ok for p in proposals)  # the other assertions stand
