"""sanitize_text / sanitize_log / sanitize_spec produce sealed, redacted values."""

from __future__ import annotations

import json

import pytest

from agent.boundary.inbound.redact import Redactor
from agent.boundary.inbound.sanitize import sanitize_log, sanitize_spec, sanitize_text
from agent.boundary.sealed import Evidence
from agent.models import Provenance, SpecDocument
from agent.ports import RawLog
from tests.boundary.redaction_canaries import rand


def test_sanitize_text_seals_evidence() -> None:
    secret = "gh" + "p_" + rand(36)
    ev = sanitize_text(Redactor(), f"comment with {secret}", "pr#12/comment/3")
    assert isinstance(ev, Evidence)
    assert secret not in ev.text and ev.origin == "pr#12/comment/3" and ev.quarantined == 0
    assert [(r.kind, r.origin) for r in ev.redactions] == [("github-pat", "pr#12/comment/3")]


def test_sanitize_log_streams_chunks() -> None:
    pw = rand(16)
    chunks = ["[t] INFO - conn postgres://air", f"flow:{pw}@db:5432/x\n", "[t] INFO - done\n"]
    r = Redactor()
    ev = sanitize_log(
        r, RawLog(name="dag/run/task/1", provenance=Provenance(dag_id="dag"), chunks=iter(chunks))
    )
    assert pw not in ev.text
    assert ev.text.startswith("[t] INFO - conn postgres://airflow:[REDACTED:url-password:1]@db")
    assert [(x.origin, x.line) for x in ev.redactions] == [("dag/run/task/1", 1)]
    assert r.report == list(ev.redactions)


@pytest.fixture
def spec() -> tuple[SpecDocument, dict[str, str]]:
    s = {
        "srv": rand(14),
        "pw": rand(12),
        "ex": rand(12),
        "key": rand(24),
        "param": rand(16),
        "bearer": rand(32),
    }
    doc = {
        "openapi": "3.0.3",
        "info": {
            "title": "Orders",
            "version": "1",
            "description": f"Use Authorization: Bearer {s['bearer']}",
        },
        "servers": [{"url": f"https://admin:{s['srv']}@api.example.com/v1"}],
        "components": {
            "securitySchemes": {
                "api_key": {"type": "apiKey", "name": "X-API-Key", "in": "header"},
                "oauth": {
                    "type": "oauth2",
                    "flows": {"clientCredentials": {"tokenUrl": "https://a.example.com/token", "scopes": {}}},
                },
            },
            "schemas": {
                "Login": {
                    "type": "object",
                    "required": ["password"],
                    "properties": {
                        "username": {"type": "string", "example": "alice"},
                        "password": {"type": "string", "format": "password", "example": s["pw"]},
                        "token_type": {"type": "string", "enum": ["bearer", "mac"]},
                    },
                    "example": {"username": "bob", "password": s["ex"], "credentials": {"apiKey": s["key"]}},
                }
            },
        },
        "paths": {
            "/orders": {
                "get": {
                    "parameters": [
                        {
                            "name": "X-Auth-Token",
                            "in": "header",
                            "schema": {"type": "string"},
                            "example": s["param"],
                        },
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "default": 1},
                            "example": "2",
                        },
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    return SpecDocument(ref="orders.yaml", version="3.0.3", document=doc), s


def test_sanitize_spec_redacts_values_and_keeps_structure(spec: tuple[SpecDocument, dict[str, str]]) -> None:
    doc, values = spec
    r = Redactor()
    out = sanitize_spec(r, doc)
    dumped = json.dumps(out.document)
    assert not [k for k, v in values.items() if v in dumped]
    d = out.document
    assert d["components"]["securitySchemes"] == doc.document["components"]["securitySchemes"]
    login = d["components"]["schemas"]["Login"]
    assert login["properties"]["token_type"]["enum"] == ["bearer", "mac"]
    assert login["properties"]["username"]["example"] == "alice"
    assert login["properties"]["password"]["example"] == "[REDACTED:password:1]"
    assert login["example"]["username"] == "bob"
    assert d["paths"]["/orders"]["get"]["parameters"][1]["example"] == "2"
    assert out.ref == doc.ref and out.version == doc.version
    origins = {x.origin for x in r.report}
    assert "orders.yaml#/components/schemas/Login/properties/password/example" in origins
    assert "orders.yaml#/servers/0/url" in origins
    assert len(r.report) == len(values)


def test_sanitize_spec_is_idempotent(spec: tuple[SpecDocument, dict[str, str]]) -> None:
    r = Redactor()
    once = sanitize_spec(r, spec[0])
    n = len(r.report)
    assert sanitize_spec(r, once).document == once.document and len(r.report) == n
