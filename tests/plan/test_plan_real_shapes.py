"""Real-spec shapes the planner must not misread: undeclared 4xx statuses and properties that
moved into a composition branch (they are still returned)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from agent.check import SpecContext, check_proposal
from agent.diff import diff_documents
from agent.generate.deterministic import generate
from agent.models import IntentKind, SpecDocument
from agent.plan import plan

BODY = {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}}


def _doc(responses: dict[str, Any]) -> dict[str, Any]:
    op = {
        "parameters": [{"name": "dry", "in": "query", "required": True, "schema": {"type": "boolean"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": copy.deepcopy(BODY)}}},
        "responses": responses,
    }
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/orders": {"post": op}}}


def _spec(doc: dict[str, Any]) -> SpecDocument:
    return SpecDocument(ref="orders.yaml", version="3.0.3", document=doc)


UNDECLARED = {
    "2xx only": {"201": {"description": "made"}},
    "2xx and 5xx": {"201": {"description": "made"}, "503": {"description": "busy"}},
    "range 2XX": {"2XX": {"description": "made"}},
}
DECLARED = {
    "400": {"201": {"description": "made"}, "400": {"description": "bad"}},
    "422": {"201": {"description": "made"}, "422": {"description": "bad"}},
    "4XX": {"201": {"description": "made"}, "4XX": {"description": "bad"}},
    "default": {"201": {"description": "made"}, "default": {"description": "error"}},
}


def _changes(doc: dict[str, Any]) -> list[Any]:
    """The diff from a spec without the operation's required inputs to ``doc``."""
    old = copy.deepcopy(doc)
    post = old["paths"]["/orders"]["post"]
    post["parameters"][0]["required"] = False
    post["requestBody"]["content"]["application/json"]["schema"]["required"] = []
    return diff_documents(old, doc)


@pytest.mark.parametrize("name", sorted(UNDECLARED))
@pytest.mark.parametrize("full_spec", [True, False])
def test_no_negative_test_where_no_4xx_is_declared(name: str, full_spec: bool) -> None:
    doc = _doc(UNDECLARED[name])
    spec = _spec(doc)
    intents = plan([] if full_spec else _changes(doc), [], spec, full_spec=full_spec)
    assert intents and not [i for i in intents if i.kind is IntentKind.MISSING_REQUIRED]
    context = SpecContext(spec)
    for proposal in generate(intents, spec, seed=1):
        codes = {f.code for f in check_proposal(proposal, spec, context)}
        assert "status-undeclared" not in codes


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_negative_tests_where_a_4xx_is_declared(name: str) -> None:
    spec = _spec(_doc(DECLARED[name]))
    intents = plan([], [], spec, full_spec=True)
    omitted = [i.details["omit"] for i in intents if i.kind is IntentKind.MISSING_REQUIRED]
    assert {"in": "query", "name": "dry"} in omitted and {"in": "body"} in omitted
    context = SpecContext(spec)
    for proposal in generate(intents, spec, seed=1):
        assert "status-undeclared" not in {f.code for f in check_proposal(proposal, spec, context)}


USER = {"type": "object", "required": ["login"], "properties": {"login": {"type": "string"}}}
BOT = {"type": "object", "required": ["slug"], "properties": {"slug": {"type": "string"}}}


def _returning(owner: Any) -> dict[str, Any]:
    app = {"type": "object", "properties": {"owner": owner, "name": {"type": "string"}}}
    content = {"application/json": {"schema": app}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/app": {"get": {"responses": {"200": {"description": "ok", "content": content}}}}},
    }


def _removal(path: str) -> Any:
    """A change as oasdiff words it (it reports a property moved into oneOf as removed)."""
    from agent.models import Change, ChangeSource

    return Change(
        id="response-required-property-removed",
        level="error",
        operation="GET /app",
        path="/app",
        method="GET",
        text=f"removed the required property '{path}' from the response with the '200' status",
        fingerprint="f" + str(len(path)),
        source=ChangeSource(),
    )


MOVED = {
    "oneOf": {"oneOf": [copy.deepcopy(USER), copy.deepcopy(BOT)]},
    "anyOf": {"anyOf": [copy.deepcopy(BOT), copy.deepcopy(USER)]},
    "allOf": {"allOf": [copy.deepcopy(BOT), copy.deepcopy(USER)]},
    "nested": {"oneOf": [copy.deepcopy(BOT), {"allOf": [copy.deepcopy(USER)]}]},
}


@pytest.mark.parametrize("shape", sorted(MOVED))
def test_a_property_still_in_a_branch_is_not_tested_as_gone(shape: str) -> None:
    spec = _spec(_returning(MOVED[shape]))
    for path in ("owner/login", "owner/oneOf[user]/login"):
        intents = plan([_removal(path)], [], spec)
        assert intents and not [i for i in intents if i.kind is IntentKind.PROPERTY_REMOVED]


@pytest.mark.parametrize("shape", sorted(MOVED))
def test_a_property_gone_from_every_branch_is_tested_as_gone(shape: str) -> None:
    spec = _spec(_returning(MOVED[shape]))
    intents = plan([_removal("owner/email")], [], spec)
    assert [i.details.get("removed") for i in intents if i.kind is IntentKind.PROPERTY_REMOVED] == [
        ["owner", "email"]
    ]


@pytest.mark.parametrize(
    "responses",
    [{"303": {"description": "see other"}}, {"302": {"description": "found"}, "404": {"description": "no"}}],
)
def test_no_success_test_where_no_success_is_declared(responses: dict[str, Any]) -> None:
    doc = _doc(responses)
    notes: list[Any] = []
    intents = plan([], [], _spec(doc), full_spec=True, notes=notes)
    assert [i.expected_status for i in intents if i.expected_status.startswith("2")] == []
    assert [n.code for n in notes] == ["status-undeclared"] and "POST /orders" in notes[0].message
