"""The secret gate takes a value the spec lists in an enum (or as a const) as public, never a
secret: Jira's ``searcherKey`` values and an enum whose neighbour reads as ``"authenticated":
"project-unknown"`` cost tests, though the spec gives them to everyone.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

import pytest

from agent.boundary.inbound.redact import Redactor
from agent.boundary.outbound.secret_gate import public_values, secret_findings
from agent.check.batch import findings_of
from agent.models import Intent, IntentKind, Proposal, SpecDocument

SEARCHER = "com.atlassian.jira.plugin.system.customfieldtypes:daterange"
LEVELS = ["group", "projectRole", "global", "loggedin", "authenticated", "project-unknown"]


def _proposal(body: Any, script: str = "pm.test('ok', () => {});") -> Proposal:
    intent = Intent(
        kind=IntentKind.HAPPY_PATH,
        operation="POST /fields",
        path="/fields",
        method="POST",
        expected_status="201",
        text="t",
        fingerprint="e" * 16,
    )
    item: dict[str, Any] = {
        "id": "pw-" + "e" * 16,
        "name": "POST /fields",
        "request": {
            "method": "POST",
            "header": [{"key": "Content-Type", "value": "application/json"}],
            "url": {"raw": "{{baseUrl}}/fields", "host": ["{{baseUrl}}"], "path": ["fields"]},
            "body": {"mode": "raw", "raw": json.dumps(body, indent=2)},
        },
        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": [script]}}],
    }
    return Proposal(id=item["id"], intent=intent, item=item)


def _spec() -> SpecDocument:
    schema = {
        "type": "object",
        "properties": {
            "searcherKey": {"type": "string", "enum": [SEARCHER]},
            "level": {"allOf": [{"type": "string", "enum": LEVELS}]},
            "kind": {"const": "service_desk"},
        },
    }
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "F", "version": "1"},
        "paths": {
            "/fields": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": schema}}},
                    "responses": {"201": {"description": "made"}},
                }
            }
        },
    }
    return SpecDocument(ref="f.yaml", version="3.0.3", document=doc)


def test_public_values_are_every_enum_member_and_const() -> None:
    assert public_values(_spec().document) >= {SEARCHER, "service_desk", *LEVELS}


@pytest.mark.parametrize(
    ("body", "script"),
    [
        ({"searcherKey": SEARCHER}, "pm.test('ok', () => {});"),
        (
            {"level": "project-unknown"},
            f"pm.test('enum', () => {{ pm.expect({json.dumps(LEVELS)}).to.include(1); }});",
        ),
        ({"projectTypeKey": "service_desk"}, "pm.test('ok', () => {});"),
    ],
)
def test_spec_enum_values_pass_the_gate(body: dict[str, Any], script: str) -> None:
    spec, proposal = _spec(), _proposal(body, script)
    redactor = Redactor()
    assert secret_findings(redactor, proposal) != [] or body == {"projectTypeKey": "service_desk"}
    assert [f for f in findings_of(proposal, spec, redactor) if f.code == "secret-in-proposal"] == []


def test_a_secret_beside_public_values_is_still_refused() -> None:
    token = "gh" + "p_" + "".join(random.choices(string.ascii_letters + string.digits, k=36))
    proposal = _proposal({"searcherKey": SEARCHER, "note": token})
    found = [f for f in findings_of(proposal, _spec(), Redactor()) if f.code == "secret-in-proposal"]
    assert len(found) == 1 and token not in found[0].message


@pytest.mark.parametrize("safety", ["read", "write", "create", "destructive"])
def test_our_safety_marker_is_no_password(safety: str) -> None:
    proposal = _proposal({"searcherKey": SEARCHER})
    item = {**proposal.item, "variable": [{"key": "pwSafety", "value": safety, "type": "string"}]}
    marked = proposal.model_copy(update={"item": item})
    assert [f for f in findings_of(marked, _spec(), Redactor()) if f.code == "secret-in-proposal"] == []
