"""The LLM guard judges credentials by the spec's ``securitySchemes``, as the check stage does.

Before, its RequestPolicy knew only header names: an API key in header ``project_id`` (or query
``project``, cookie ``app_key``) was data, so a model's correct ``{{apiKey}}`` there was refused
as ``request-secret-in-data`` and a literal key there was not judged as a credential.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from agent.boundary.outbound.guard import build_guard, check_with_guard
from agent.check.proposal import check_proposal
from agent.generate.requests import credential_fields
from agent.models import Intent, IntentKind, Proposal, SpecDocument

SCHEMES = {
    "header": {"type": "apiKey", "in": "header", "name": "project_id"},
    "query": {"type": "apiKey", "in": "query", "name": "project"},
    "cookie": {"type": "apiKey", "in": "cookie", "name": "app_key"},
}


def _spec(where: str) -> SpecDocument:
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Keyed", "version": "1"},
        "components": {"securitySchemes": {"key": SCHEMES[where]}},
        "security": [{"key": []}],
        "paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    return SpecDocument(ref="k.yaml", version="3.0.3", document=doc)


def _item(where: str, value: str) -> dict[str, Any]:
    url: dict[str, Any] = {"raw": "{{baseUrl}}/things", "host": ["{{baseUrl}}"], "path": ["things"]}
    headers: list[dict[str, str]] = []
    if where == "header":
        headers.append({"key": "project_id", "value": value})
    elif where == "query":
        url["raw"] += f"?project={value}"
        url["query"] = [{"key": "project", "value": value}]
    else:
        headers.append({"key": "Cookie", "value": f"app_key={value}"})
    return {
        "name": "GET /things returns 200",
        "request": {"method": "GET", "url": url, "header": headers},
        "event": [
            {"listen": "test", "script": {"exec": ["pm.test('ok', () => pm.response.to.have.status(200));"]}}
        ],
    }


def _check_stage(item: dict[str, Any], spec: SpecDocument) -> set[str]:
    intent = Intent(
        kind=IntentKind.HAPPY_PATH,
        operation="GET /things",
        path="/things",
        method="GET",
        expected_status="200",
        text="t",
        fingerprint="a" * 16,
    )
    proposal = Proposal(id="pw-" + "a" * 16, intent=intent, item=item)
    return {
        f.code
        for f in check_proposal(proposal, spec)
        if f.severity == "error" and f.code.startswith("request-")
    }


def _guard_codes(item: dict[str, Any], spec: SpecDocument, *, built: bool) -> set[str]:
    declared = credential_fields(spec.document)
    if built:  # the LLM generator's way: one guard per run, built with the spec's fields
        guard = build_guard(["accessToken"], num_reasks=0, declared=declared)
        _ok, findings = check_with_guard(json.dumps(item), ["accessToken"], guard=guard)
    else:
        _ok, findings = check_with_guard(json.dumps(item), ["accessToken"], declared=declared)
    return {f.code for f in findings if f.code.startswith("request-")}


@pytest.mark.parametrize("built", [True, False])
@pytest.mark.parametrize("where", sorted(SCHEMES))
def test_a_declared_credential_field_takes_a_variable(where: str, built: bool) -> None:
    spec, item = _spec(where), _item(where, "{{apiKey}}")
    assert _guard_codes(item, spec, built=built) == _check_stage(item, spec) == set()


@pytest.mark.parametrize("where", sorted(SCHEMES))
def test_a_literal_in_a_declared_credential_field_is_refused_like_the_check_stage(where: str) -> None:
    spec, item = _spec(where), _item(where, "k" + secrets.token_hex(16))
    codes = _guard_codes(item, spec, built=True)
    assert "request-literal-credential" in codes
    assert codes == _check_stage(item, spec)


def test_without_the_spec_the_variable_in_a_plain_header_is_still_data() -> None:
    item = _item("header", "{{apiKey}}")
    _ok, findings = check_with_guard(json.dumps(item), ["accessToken"])
    assert "request-secret-in-data" in {f.code for f in findings}
