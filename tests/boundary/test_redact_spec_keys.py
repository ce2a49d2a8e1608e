"""Redaction replaces values only: field names in specs and JSON/YAML keys are never rewritten."""

from __future__ import annotations

import json
from typing import Any

from agent.boundary.inbound.redact import Redactor
from agent.boundary.inbound.sanitize import sanitize_spec
from agent.models import SpecDocument
from tests.boundary.redaction_canaries import weak

NAMES = [
    "password",
    "api_key",
    "author_association",
    "token",
    "pw",
    "sid",
    "secret_key",
    "PRIMARY_DB_PASSWORD",
]


def _keys(node: Any, path: str = "") -> list[str]:
    """Every key of a JSON document, by JSON pointer (a renamed key changes the list)."""
    if isinstance(node, dict):
        return [k for key, value in node.items() for k in [f"{path}/{key}", *_keys(value, f"{path}/{key}")]]
    if isinstance(node, list):
        return [k for i, value in enumerate(node) for k in _keys(value, f"{path}/{i}")]
    return []


def _spec(examples: dict[str, str]) -> SpecDocument:
    props: dict[str, dict[str, Any]] = {
        name: {"type": "string", "example": examples[name], "description": f"The {name}."} for name in NAMES
    }
    props["author_association"]["enum"] = ["OWNER", "MEMBER", "CONTRIBUTOR"]
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Accounts", "version": "1"},
        "paths": {
            "/login": {
                "post": {
                    "parameters": [
                        {
                            "name": "api_key",
                            "in": "query",
                            "schema": {"type": "string"},
                            "example": examples["api_key"],
                        },
                        {"name": "sid", "in": "cookie", "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Login"},
                                "example": {name: examples[name] for name in NAMES},
                            }
                        }
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        "components": {
            "schemas": {"Login": {"type": "object", "required": ["password", "token"], "properties": props}},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }
    return SpecDocument(ref="spec.yaml", version="3.0.3", document=doc)


def test_openapi_field_names_survive_the_spec_path() -> None:
    examples = {name: weak() for name in NAMES} | {"author_association": "OWNER"}
    spec = _spec(examples)
    out = sanitize_spec(Redactor(), spec).document
    assert _keys(out) == _keys(spec.document)
    props = out["components"]["schemas"]["Login"]["properties"]
    assert list(props) == NAMES
    assert out["components"]["schemas"]["Login"]["required"] == ["password", "token"]
    assert props["author_association"]["enum"] == ["OWNER", "MEMBER", "CONTRIBUTOR"]
    assert props["author_association"]["example"] == "OWNER"
    dumped = json.dumps(out)
    assert not [v for name, v in examples.items() if name != "author_association" and v in dumped]


def test_keys_of_json_and_yaml_text_survive() -> None:
    values = {name: weak() for name in NAMES}
    body = json.dumps(values | {"author_association": "OWNER", "user": "bob"})
    out, _ = Redactor().redact(body)
    assert list(json.loads(out)) == [*NAMES, "user"]
    assert not [v for name, v in values.items() if name != "author_association" and v in out]
    yaml_text = "".join(f"{name}: {values[name]}\n" for name in NAMES)
    out, _ = Redactor().redact(yaml_text)
    assert [line.split(":")[0] for line in out.splitlines()] == NAMES
    escaped = json.dumps({"event": body})  # an Airflow 3 log line: the body JSON-escaped
    out, _ = Redactor().redact(escaped)
    assert list(json.loads(json.loads(out)["event"])) == [*NAMES, "user"]


def test_field_names_listed_in_text_are_not_values() -> None:
    texts = [
        '"required": ["password", "author_association", "token"]',
        "required: [password, api_key, token, author_association, nodeId]",
        '("password", "user_login")',
        '{"token": "uuid", "password": "string", "api_key": "int64", "secret_key": "date-time"}',
        "properties: {password: {type: string}, token: {type: string, format: uuid}}",
    ]
    for text in texts:
        assert Redactor().redact(text) == (text, [])
