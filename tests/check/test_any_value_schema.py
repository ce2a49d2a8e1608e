"""A response declared with ``schema: {}`` (any value; Jira's 204s and many 200s) costs no test,
and a no-content status is tested without a body.

Jira lost 92 tests to ``schema-assertion: the asserted schema differs from … 204 response schema``
(the generator asserted ``{}``, the check read no schema), and 112 failed against the mock with
``body is JSON: No data`` (a 204 has no body; Prism serves none for ``{}``).
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


def _scripts(proposal: Any) -> str:
    return "\n".join(line for event in proposal.item["event"] for line in event["script"]["exec"])


@pytest.mark.parametrize("status", ["204", "205"])
def test_a_no_content_status_gets_no_body_or_content_type_assertion(status: str) -> None:
    spec = _spec(status, {"type": "object", "properties": {"a": {"type": "string"}}})
    for proposal in generate(plan([], [], spec, full_spec=True), spec):
        if proposal.intent.expected_status == status:
            text = _scripts(proposal)
            assert "content type" not in text and "body is JSON" not in text and "pwSchema-" not in text


@pytest.mark.parametrize("schema", [{}, {"$ref": "#/components/schemas/Anything"}])
def test_an_any_value_body_is_not_asserted_to_be_json(schema: Any) -> None:
    spec = _spec("200", schema)
    for proposal in generate(plan([], [], spec, full_spec=True), spec):
        if proposal.intent.expected_status == "200":
            assert "body is JSON" not in _scripts(proposal)


def test_asserting_any_value_where_the_spec_has_a_schema_is_refused() -> None:
    spec = _spec("200", {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}})
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    asserting = [
        p
        for p in proposals
        if any(str(v.get("key", "")).startswith("pwSchema-") for v in p.item.get("variable") or [])
    ]
    assert asserting
    item = copy.deepcopy(asserting[0].item)
    for variable in item["variable"]:
        if str(variable["key"]).startswith("pwSchema-"):
            variable["value"] = json.dumps({})
    edited = asserting[0].model_copy(update={"item": item})
    assert any(e.startswith("schema-assertion") for e in _errors(check_proposal(edited, spec)))
