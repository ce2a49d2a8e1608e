"""Full-spec mode: a negative test per required input, body properties included, and valid ones."""

from __future__ import annotations

import copy
from typing import Any

from agent.check import SpecContext, check_proposal
from agent.generate.deterministic import generate
from agent.models import IntentKind, SpecDocument
from agent.plan import plan

DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "orders", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:9/api"}],
    "paths": {
        "/orders": {
            "post": {
                "parameters": [
                    {"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "string"}},
                    {"name": "dry", "in": "query", "required": True, "schema": {"type": "boolean"}},
                    {"name": "trace", "in": "query", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
                },
                "responses": {
                    "201": {"description": "made"},
                    "422": {"description": "invalid"},
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Order": {
                "type": "object",
                "required": ["id", "sku", "qty"],
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "sku": {"type": "string", "minLength": 1},
                    "qty": {"type": "integer", "minimum": 1},
                    "note": {"type": "string"},
                },
            }
        }
    },
}


def _spec(doc: dict[str, Any]) -> SpecDocument:
    return SpecDocument(ref="orders.yaml", version="3.0.3", document=doc)


def _omits(spec: SpecDocument) -> list[dict[str, Any]]:
    intents = plan([], [], spec, full_spec=True)
    return sorted(
        (i.details["omit"] for i in intents if i.kind is IntentKind.MISSING_REQUIRED),
        key=lambda o: sorted(o.items()),
    )


def test_every_required_input_gets_its_own_negative_test() -> None:
    assert _omits(_spec(DOC)) == [
        {"in": "body"},
        {"in": "body", "property": "qty"},
        {"in": "body", "property": "sku"},  # not "id": readOnly, required in responses only
        {"in": "header", "name": "X-Tenant"},
        {"in": "query", "name": "dry"},
    ]


def test_no_property_tests_where_no_4xx_is_declared() -> None:
    doc = copy.deepcopy(DOC)
    del doc["paths"]["/orders"]["post"]["responses"]["422"]
    assert {"in": "body", "property": "sku"} not in _omits(_spec(doc))


def test_the_negative_tests_are_valid_proposals() -> None:
    spec = _spec(DOC)
    proposals = generate(plan([], [], spec, full_spec=True), spec, seed=3)
    context = SpecContext(spec)
    negatives = [p for p in proposals if p.intent.kind is IntentKind.MISSING_REQUIRED]
    assert len(negatives) == 5
    for proposal in proposals:
        assert [f for f in check_proposal(proposal, spec, context) if f.severity == "error"] == []
    # each omits exactly what it says: the request is otherwise valid
    sku = next(p for p in negatives if p.intent.details["omit"].get("property") == "sku")
    body = sku.item["request"]["body"]["raw"]
    assert '"qty"' in body and '"sku"' not in body
