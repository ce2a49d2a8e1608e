"""The outbound gate judges a credential field by the spec's securitySchemes, not by its name:
an API key in header ``project_id`` is a credential (a ``{{variable}}`` is right there, a
literal is refused), while the same header undeclared stays data."""

from __future__ import annotations

from typing import Any

import pytest

from agent.boundary.outbound.policy import check_item
from agent.generate.requests import credential_fields


def _doc(schemes: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"securitySchemes": schemes},
    }


def _item(
    *, header: list[dict[str, str]] | None = None, query: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    url: dict[str, Any] = {"raw": "{{baseUrl}}/things", "host": ["{{baseUrl}}"], "path": ["things"]}
    if query:
        url["query"] = query
    return {"name": "GET /things", "request": {"method": "GET", "url": url, "header": header or []}}


def _codes(item: dict[str, Any], doc: dict[str, Any] | None) -> list[str]:
    declared = credential_fields(doc) if doc is not None else frozenset()
    return [f.code for f in check_item(item, declared=declared) if f.severity == "error"]


HEADERS = ["project_id", "Tenant", "X-Client", "BearerToken", "oauth2ClientSecret"]
QUERIES = ["project", "key", "client"]


@pytest.mark.parametrize("name", HEADERS)
def test_a_declared_api_key_header_carries_its_variable(name: str) -> None:
    doc = _doc({"k": {"type": "apiKey", "in": "header", "name": name}})
    # header names are case-insensitive
    for key in (name, name.lower(), name.upper()):
        assert _codes(_item(header=[{"key": key, "value": "{{apiKey}}"}]), doc) == []


@pytest.mark.parametrize("name", QUERIES)
def test_a_declared_api_key_query_parameter_carries_its_variable(name: str) -> None:
    doc = _doc({"k": {"type": "apiKey", "in": "query", "name": name}})
    assert _codes(_item(query=[{"key": name, "value": "{{apiKey}}"}]), doc) == []


@pytest.mark.parametrize("name", ["project_id", "Tenant", "X-Client"])
def test_the_same_header_undeclared_is_data_and_a_credential_variable_there_is_refused(name: str) -> None:
    other = _doc({"k": {"type": "apiKey", "in": "header", "name": "X-Other"}})
    for doc in (None, other):
        assert _codes(_item(header=[{"key": name, "value": "{{apiKey}}"}]), doc) == ["request-secret-in-data"]


@pytest.mark.parametrize("name", ["project", "client"])
def test_a_query_key_declared_for_a_header_is_still_data(name: str) -> None:
    doc = _doc({"k": {"type": "apiKey", "in": "header", "name": name}})
    assert _codes(_item(query=[{"key": name, "value": "{{apiKey}}"}]), doc) == ["request-secret-in-data"]


@pytest.mark.parametrize("where", ["header", "query"])
@pytest.mark.parametrize("name", ["project_id", "tenant"])
def test_a_literal_in_a_declared_credential_field_is_refused(where: str, name: str) -> None:
    doc = _doc({"k": {"type": "apiKey", "in": where, "name": name}})
    literal = "k" + "3f9a" * 6  # built at run time: no secret-shaped literal in the source
    entry = [{"key": name, "value": literal}]
    item = _item(header=entry) if where == "header" else _item(query=entry)
    assert _codes(item, doc) == ["request-literal-credential"]
    assert _codes(item, None) == []  # by its name alone it would pass as data


def test_every_scheme_kind_declares_where_its_credential_goes() -> None:
    doc = _doc(
        {
            "h": {"type": "apiKey", "in": "header", "name": "Project_ID"},
            "q": {"type": "apiKey", "in": "query", "name": "Key"},
            "c": {"type": "apiKey", "in": "cookie", "name": "sid"},
            "bearer": {"type": "http", "scheme": "bearer"},
            "basic": {"type": "http", "scheme": "basic"},
            "o": {"type": "oauth2", "flows": {}},
            "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://example.com/x"},
            "ref": {"$ref": "#/components/securitySchemes/h"},
        }
    )
    assert credential_fields(doc) == {
        ("header", "project_id"),
        ("query", "Key"),
        ("cookie", "sid"),
        ("header", "authorization"),
    }
    assert credential_fields({"paths": {}}) == frozenset()
