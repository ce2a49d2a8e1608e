"""A response declared with ``schema: {}`` (any value; Jira's 204s and many 200s) costs no test:
the generator's ``{}`` assertion agrees with it, and any other asserted schema still does not.

Jira lost 92 tests to ``schema-assertion: the asserted schema differs from … 204 response schema``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from agent.check import check_proposal
from agent.generate.deterministic import generate
from agent.models import SpecDocument
from agent.plan import plan


def _spec(status: str, schema: Any) -> SpecDocument:
    op = {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object", "properties": {"a": {"type": "string"}}}}
            },
        },
        "responses": {
            status: {"description": "done", "content": {"application/json": {"schema": schema}}},
            "400": {"description": "bad"},
        },
    }
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Any", "version": "1"},
        "components": {"schemas": {"Anything": {}}},
        "paths": {"/banner": {"put": op}},
    }
    return SpecDocument(ref="any.yaml", version="3.0.3", document=doc)


def _errors(findings: list[Any]) -> list[str]:
    return [f"{f.code}: {f.message}" for f in findings if f.severity == "error"]


@pytest.mark.parametrize("status", ["200", "204"])
@pytest.mark.parametrize("schema", [{}, {"$ref": "#/components/schemas/Anything"}])
def test_any_value_responses_keep_their_tests(status: str, schema: Any) -> None:
    spec = _spec(status, schema)
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    assert proposals
    for proposal in proposals:
        assert _errors(check_proposal(proposal, spec)) == [], proposal.intent.kind


def test_a_narrower_schema_asserted_for_any_value_is_still_refused() -> None:
    spec = _spec("204", {})
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    asserting = [
        p
        for p in proposals
        if any(str(v.get("key", "")).startswith("pwSchema-") for v in p.item.get("variable") or [])
    ]
    if not asserting:
        pytest.skip("the generator asserts no schema for an any-value response")
    item = copy.deepcopy(asserting[0].item)
    for variable in item["variable"]:
        if str(variable["key"]).startswith("pwSchema-"):
            variable["value"] = json.dumps({"type": "string"})
    edited = asserting[0].model_copy(update={"item": item})
    assert any(e.startswith("schema-assertion") for e in _errors(check_proposal(edited, spec)))
