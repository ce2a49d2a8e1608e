"""Negative tests pin what they expect: the failure status the spec declares, and that the route exists."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from agent.check import check_proposal
from agent.generate import scripts
from agent.generate.deterministic import generate
from agent.models import IntentKind, SpecDocument
from agent.plan import plan

BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/widgets": {
            "get": {
                "parameters": [
                    {"name": "kind", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}


def _negatives(failures: dict[str, Any]) -> list[Any]:
    doc = copy.deepcopy(BASE)
    doc["paths"]["/widgets"]["get"]["responses"].update(failures)
    spec = SpecDocument(ref="t.yaml", version="3.0.3", document=doc)
    intents = [i for i in plan([], [], spec, full_spec=True) if i.kind == IntentKind.MISSING_REQUIRED]
    proposals = generate(intents, spec)
    for proposal in proposals:  # the pinned status is one the spec declares: our own check agrees
        assert not [f for f in check_proposal(proposal, spec) if f.severity == "error"], proposal.findings
    return proposals


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        ({"400": {"description": "bad"}}, "400"),
        ({"422": {"description": "invalid"}}, "422"),
        ({"400": {"description": "bad"}, "404": {"description": "none"}}, "400"),
        ({"422": {"description": "invalid"}, "401": {"description": "who"}}, "422"),
        ({"400": {"description": "bad"}, "422": {"description": "invalid"}}, "4XX"),  # both: either may come
        ({"4XX": {"description": "client"}}, "4XX"),
        ({"default": {"description": "error"}}, "4XX"),
    ],
)
def test_missing_input_expects_the_failure_status_the_spec_declares(
    failures: dict[str, Any], expected: str
) -> None:
    (proposal,) = _negatives(failures)
    assert proposal.intent.expected_status == expected
    script = "\n".join(proposal.item["event"][0]["script"]["exec"])
    # the route pin comes first: on a server without the route (404/405) the test fails
    assert script.index("route exists (not 404 or 405)") < script.index(f"status is {expected}")
    assert "to.not.be.oneOf([404, 405])" in script


@pytest.mark.parametrize(
    ("status", "pinned"),
    [("400", True), ("422", True), ("4XX", True), ("401", True), ("409", True)]
    + [("404", False), ("405", False), ("200", False), ("2XX", False), ("5XX", False), ("302", False)],
)
def test_only_failure_statuses_other_than_no_route_are_pinned(status: str, pinned: bool) -> None:
    lines = scripts.status(status)
    assert ("route exists (not 404 or 405)" in lines[0]) is pinned
    assert any(f"status is {status}" in line for line in lines)
