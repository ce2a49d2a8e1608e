"""Request values: credential-named body fields get filler the secret gate accepts; referenced
parameter schemas are sampled resolved.

A random or example value under ``password`` or ``client_secret`` reads as a leaked secret, so
the outbound gate used to drop every generated test of a login or token endpoint.
"""

from __future__ import annotations

import json

import pytest

from agent.boundary.inbound.redact import Redactor
from agent.check.batch import findings_of
from agent.generate import deterministic as rules
from agent.generate.postman import build_collection
from agent.models import SpecDocument
from agent.plan import plan

_LOGIN = {
    "openapi": "3.0.3",
    "info": {"title": "Login", "version": "1"},
    "paths": {
        "/login": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {
                                    "username": {"type": "string"},
                                    "password": {
                                        "type": "string",
                                        "minLength": 10,
                                        "example": "Summer" + "2024!x",
                                    },
                                    "client_secret": {"type": "string", "maxLength": 6},
                                    "refreshToken": {"type": "string"},
                                    "next_token": {"type": "string"},
                                    "session_id": {"type": "string"},
                                    "pin": {"type": "string", "pattern": "^[0-9]{4}$"},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}},
            }
        }
    },
}


@pytest.mark.parametrize("seed", range(12))
def test_login_tests_pass_the_secret_gate(seed: int) -> None:
    spec = SpecDocument(ref="login.yaml", version="3.0.3", document=_LOGIN)
    proposals = rules.generate(plan([], [], spec, full_spec=True), spec, seed=seed)
    assert proposals
    for proposal in proposals:
        errors = [f for f in findings_of(proposal, spec, Redactor()) if f.severity == "error"]
        assert errors == [], (proposal.intent.kind, errors)


def test_credential_fields_get_filler_within_their_limits() -> None:
    spec = SpecDocument(ref="login.yaml", version="3.0.3", document=_LOGIN)
    happy = next(
        p for p in rules.generate(plan([], [], spec, full_spec=True), spec) if p.intent.kind == "happy-path"
    )
    body = json.loads(happy.item["request"]["body"]["raw"])
    assert body["password"] == "x" * 10 and body["client_secret"] == "x" * 6
    assert set(body["refreshToken"]) == {"x"} and set(body["session_id"]) == {"x"}
    assert body["username"] != "x" * len(body["username"]) and len(body["pin"]) == 4


def test_referenced_parameter_schemas_are_sampled_resolved() -> None:
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Refs", "version": "1"},
        "components": {
            "schemas": {"State": {"type": "string", "enum": ["open", "closed"]}},
            "parameters": {
                "Limit": {"name": "limit", "in": "query", "required": True, "schema": {"$ref": "#/c/Lim"}}
            },
        },
        "c": {"Lim": {"type": "integer", "minimum": 1, "maximum": 5}},
        "paths": {
            "/issues": {
                "get": {
                    "parameters": [
                        {
                            "name": "state",
                            "in": "query",
                            "required": True,
                            "schema": {"$ref": "#/components/schemas/State"},
                        },
                        {"$ref": "#/components/parameters/Limit"},
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    spec = SpecDocument(ref="refs.yaml", version="3.0.3", document=doc)
    for seed in range(8):
        proposals = rules.generate(plan([], [], spec, full_spec=True), spec, seed=seed)
        defaults = {v["key"]: v["value"] for v in build_collection("t", proposals, base_url="")["variable"]}
        for proposal in proposals:
            query = {
                q["key"]: defaults.get(q["value"][2:-2], q["value"])
                for q in proposal.item["request"]["url"].get("query") or []
            }
            if proposal.intent.kind == "happy-path":
                assert query["state"] in ("open", "closed") and 1 <= int(query["limit"]) <= 5
                assert [f for f in findings_of(proposal, spec, Redactor()) if f.severity == "error"] == []
