"""Redacting a spec rewrites only data values (samples, prose, URLs), never its structure: keys,
enum values, ``$ref``s, names, operationIds, paths and security names reach the mock intact."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest

from agent.boundary.inbound.redact import Redactor
from agent.boundary.inbound.sanitize import sanitize_spec
from agent.models import SpecDocument
from evals.realspecs.redaction import changed, location_kind
from tests.boundary.redaction_canaries import HEX, cases, jwt, rand, weak

_STATES = ["enabled", "disabled"]
REF = "#/components/schemas/installation-token"


def _schema(name: str) -> dict[str, Any]:
    """A property named like a secret whose default and example are its own enum values."""
    return {"type": "string", "enum": _STATES, "default": "disabled", "example": "enabled", "title": name}


def _spec(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """GitHub's shapes: secret-like names everywhere in structure, public values in samples."""
    sig = "sha256=" + rand(40, HEX)  # a webhook's HMAC: public, sent beside what it signs
    secret_names = ["secret_scanning", "secret_scanning_validity_checks", "token_status", "api_key_mode"]
    op = {
        "operationId": "apps/create-installation-access-token",
        "security": [{"api_key": []}, {"oauth_token": ["repo"]}],
        "parameters": [
            {
                "name": "X-Hub-Signature-256",
                "in": "header",
                "schema": {"type": "string"},
                "example": sig,
            },
            {"name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            {"name": "auth_mode", "in": "query", "schema": {"type": "string", "enum": ["token", "password"]}},
        ],
        "responses": {
            "default": {
                "description": "Error",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "201": {
                "description": "Created",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/installation-token"}}
                },
            },
        },
    }
    props = {name: _schema(name) for name in secret_names}
    props["author_association"] = {"type": "string", "enum": ["OWNER", "MEMBER"], "example": "OWNER"}
    props["default"] = {"type": "string"}  # a property named like a keyword is a name
    props["example"] = {"type": "string", "enum": ["token"]}
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Apps", "version": "1"},
        "paths": {"/app/installations/{token_id}/access_tokens": {"post": op}},
        "x-webhooks": {
            "secret-scanning-alert": {"post": {"operationId": "secret-scanning-alert/created", **op}}
        },
        "components": {
            "schemas": {
                "installation-token": {
                    "type": "object",
                    "required": ["token", "secret_scanning"],
                    "properties": props,
                    "discriminator": {
                        "propertyName": "token_status",
                        "mapping": {"x": "#/components/schemas/x"},
                    },
                },
                "x": {"type": "object"},
            },
            "securitySchemes": {
                "api_key": {"type": "apiKey", "in": "header", "name": "X-Api-Token"},
                "oauth_token": {
                    "type": "oauth2",
                    "flows": {"clientCredentials": {"tokenUrl": "/t", "scopes": {}}},
                },
            },
        },
    }
    doc.update(extra or {})
    return doc


def _sanitize(doc: dict[str, Any]) -> tuple[dict[str, Any], Redactor]:
    redactor = Redactor()
    out = sanitize_spec(redactor, SpecDocument(ref="s.json", version="3.0.3", document=doc)).document
    return out, redactor


def test_public_values_under_secret_like_names_are_kept() -> None:
    doc = _spec()
    out, redactor = _sanitize(json.loads(json.dumps(doc)))
    assert out == doc, [r.origin for r in redactor.report]
    assert redactor.report == []


WHERE = ["example", "default", "description", "server", "examples", "extension", "nested extension"]


@pytest.mark.parametrize("where", WHERE)
def test_planted_secrets_leave_and_structure_stays(where: str) -> None:
    # Each secret in the line that gives it away (a bare 40-character AWS secret is just random).
    planted = [(line, secret) for line, secret, _ in cases()] + [
        (t, t) for t in (jwt(), "gh" + "o_" + rand(36))
    ]
    secrets_ = [secret for _, secret in planted]
    extra: dict[str, Any] = {}
    doc = _spec()
    props = doc["components"]["schemas"]["installation-token"]["properties"]
    for i, (line, _) in enumerate(planted):
        values: dict[str, dict[str, Any]] = {
            "example": {"example": line},
            "default": {"default": line},
            "description": {"description": f"Sample request:\n{line}\nthen retry."},
            "examples": {"example": {"nested": [{"value": line}]}},
            "extension": {"x-sample": line},
            "nested extension": {"x-narrative": {"documents": [{"name": "auth", "body": line}]}},
        }
        props[f"field{i}"] = {"type": "string", **values.get(where, {})}
    if where == "server":
        user, pw = "svc", rand(18, string.ascii_letters + string.digits)
        extra["servers"] = [{"url": f"https://{user}:{pw}@api.example.com/v1"}]
        secrets_ = [pw]
    # Sample secrets under a secret-named field go whole, however weak.
    weak_pw = weak()
    props["password"] = {"type": "string", "example": weak_pw}
    doc["paths"]["/app/installations/{token_id}/access_tokens"]["post"]["parameters"].append(
        {
            "name": "api_key",
            "in": "query",
            "schema": {"type": "string"},
            "examples": {"one": {"value": weak_pw}},
        }
    )
    doc.update(extra)
    before = json.loads(json.dumps(doc))
    out, redactor = _sanitize(doc)
    dumped = json.dumps(out)
    assert not [s for s in [*secrets_, weak_pw] if s in dumped]
    moved = changed(before, out)
    assert moved and all(location_kind(pointer) != "structure" for pointer in moved), moved
    assert len(redactor.report) >= len(moved)
    # Everything but the values that held a secret is as it was.
    for pointer in moved:
        assert location_kind(pointer) in ("example", "default", "description", "url", "extension")
