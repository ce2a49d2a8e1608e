"""Rule families on small hand-made pairs (documents diffed directly)."""

from __future__ import annotations

import copy
from typing import Any

from agent.diff import diff_documents


def _spec() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "security": [{"oauth": ["read"]}],
        "paths": {
            "/items/{id}": {
                "get": {
                    "operationId": "getItem",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 10}},
                        {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {"X-Rate": {"required": True, "schema": {"type": "integer"}}},
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                            },
                        },
                        "404": {"description": "missing"},
                    },
                },
                "put": {
                    "requestBody": {
                        "required": False,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                    },
                    "responses": {"204": {"description": "done"}},
                },
            },
            "/old": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {"clientCredentials": {"tokenUrl": "https://t/x", "scopes": {"read": "r"}}},
                }
            },
            "schemas": {
                "Item": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string", "minLength": 1},
                        "kind": {
                            "oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]
                        },
                        "secret": {"type": "string", "readOnly": True},
                    },
                },
                "A": {"type": "object", "properties": {"a": {"type": "string"}}},
                "B": {"type": "object", "properties": {"b": {"type": "string"}}},
            },
        },
    }


def _ids(base: dict[str, Any], rev: dict[str, Any]) -> set[str]:
    return {c.id for c in diff_documents(base, rev)}


def test_parameter_families() -> None:
    base, rev = _spec(), _spec()
    params = rev["paths"]["/items/{id}"]["get"]["parameters"]
    params[0]["schema"] = {"type": "string", "format": "uuid"}
    params[1]["required"] = True
    params[1]["schema"] = {"type": "string", "maxLength": 5, "pattern": "^a"}
    del params[2]
    params.append({"name": "page", "in": "query", "schema": {"type": "integer"}})
    ids = _ids(base, rev)
    assert {
        "request-parameter-type-changed",
        "request-parameter-became-required",
        "request-parameter-max-length-decreased",
        "request-parameter-pattern-added",
        "request-parameter-removed",
        "new-optional-request-parameter",
    } <= ids


def test_request_body_and_properties() -> None:
    base, rev = _spec(), _spec()
    put = rev["paths"]["/items/{id}"]["put"]
    put["requestBody"]["required"] = True
    put["requestBody"]["content"]["application/xml"] = {"schema": {"type": "string"}}
    item = rev["components"]["schemas"]["Item"]
    item["required"] = ["id", "name"]
    item["properties"]["name"]["minLength"] = 3
    item["properties"]["age"] = {"type": "integer"}
    item["properties"]["id"] = {"type": "number"}
    assert _ids(base, rev) == {
        "request-body-became-required",
        "request-body-media-type-added",
        "request-property-became-required",
        "request-property-min-length-increased",
        "new-optional-request-property",
        "request-property-type-generalized",
        "response-property-type-changed",
        "response-optional-property-added",
        "response-property-became-required",
    }


def test_responses_headers_security_and_endpoints() -> None:
    base, rev = _spec(), _spec()
    get = rev["paths"]["/items/{id}"]["get"]
    del get["responses"]["404"]
    get["responses"]["200"]["headers"] = {}
    get["responses"]["201"] = {"description": "made"}
    get["deprecated"] = True
    get["security"] = [{"oauth": ["read", "write"]}]
    del rev["paths"]["/old"]
    rev["security"] = []
    rev["components"]["securitySchemes"]["oauth"]["flows"]["clientCredentials"]["scopes"]["write"] = "w"
    ids = _ids(base, rev)
    assert {
        "response-non-success-status-removed",
        "response-success-status-added",
        "required-response-header-removed",
        "endpoint-deprecated",
        "api-security-added",
        "api-path-removed-without-deprecation",
        "api-global-security-removed",
        "api-security-component-oauth-scope-added",
    } <= ids


def test_composition_is_compared_structurally() -> None:
    base = _spec()
    rev = copy.deepcopy(base)
    kind = rev["components"]["schemas"]["Item"]["properties"]["kind"]
    kind["oneOf"].reverse()
    assert diff_documents(base, rev) == []
    kind["oneOf"].append({"type": "string"})
    rev["components"]["schemas"]["B"]["properties"]["b"] = {"type": "integer"}
    ids = _ids(base, rev)
    assert {
        "response-property-one-of-added",
        "request-property-one-of-added",
        "response-property-type-changed",
    } <= ids


def test_removed_operation_with_and_without_deprecation() -> None:
    base, rev = _spec(), _spec()
    del rev["paths"]["/items/{id}"]["put"]
    assert "api-removed-without-deprecation" in _ids(base, rev)
    base["paths"]["/items/{id}"]["put"]["deprecated"] = True
    assert "api-removed-with-deprecation" in _ids(base, rev)


def test_every_change_has_the_contract_fields() -> None:
    base, rev = _spec(), _spec()
    rev["components"]["schemas"]["Item"]["properties"]["name"]["enum"] = ["x"]
    for change in diff_documents(base, rev):
        assert change.level in ("error", "warning", "info")
        assert change.operation == f"{change.method} {change.path}"
        assert len(change.fingerprint) == 16 and change.text
