"""One request-hygiene implementation: the guard's check_request, also behind check_collection."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

from agent.boundary.outbound.policy import check_item as guard_check_item
from agent.boundary.outbound.request import check_request, credential_field
from agent.check import check_collection, check_proposal
from agent.check.collection import check_item
from agent.generate.deterministic import generate
from agent.generate.postman import build_collection
from agent.plan import plan
from agent.specs.load import load_spec


def _errors(findings: list[Any]) -> list[tuple[str, str | None]]:
    return [(f.code, f.location) for f in findings if f.severity == "error"]


def _request(headers: list[dict[str, Any]] | None = None, raw: str = "{{baseUrl}}/orders") -> dict[str, Any]:
    return {
        "method": "GET",
        "url": {"raw": raw, "host": ["{{baseUrl}}"], "path": ["orders"]},
        "header": headers or [],
    }


def test_cookie_of_variables_passes_the_guard_and_the_collection_check() -> None:
    for value in ("sid={{apiKey}}", "sid={{apiKey}}; csrf={{csrfToken}}", " sid = {{ apiKey }} "):
        request = _request([{"key": "Cookie", "value": value}])
        assert _errors(check_request(request, "request", (), check_data=True)) == []
        assert _errors(check_item({"name": "x", "request": request}, "/item/0")) == []
        assert _errors(guard_check_item({"name": "x", "request": request})) == []
    literal = "sid=" + secrets.token_hex(12)
    for value in (literal, f"a={{{{apiKey}}}}; {literal}", "", "sid"):
        request = _request([{"key": "Cookie", "value": value}])
        assert [c for c, _ in _errors(check_request(request, "request", ()))] == [
            "request-literal-credential"
        ]


def test_literal_cookies_are_judged_by_their_names() -> None:
    for value in ("theme=dark", "locale=en-US; tracking=1", "theme=dark; sid={{apiKey}}"):
        request = _request([{"key": "Cookie", "value": value}])
        assert _errors(check_request(request, "request", (), check_data=True)) == []
    value = secrets.token_hex(8)
    for name in (
        "JSESSIONID",
        "connect.sid",
        "PHPSESSID",
        "csrftoken",
        "auth_token",
        "remember_me",
        "user_id",
    ):
        request = _request([{"key": "Cookie", "value": f"theme=dark; {name}={value}"}])
        assert [c for c, _ in _errors(check_request(request, "request", ()))] == [
            "request-literal-credential"
        ], name


def test_credentials_in_the_url_are_refused() -> None:
    password = secrets.token_hex(8)
    for raw in (
        f"https://admin:{password}@api.shop.example/orders",
        f"https://{password}@api.shop.example/o",
    ):
        codes = {c for c, _ in _errors(check_request(raw, "request", (), check_data=True))}
        assert codes == {"request-base-url", "request-literal-credential"}
    found = _errors(check_request(_request(raw=f"{{{{baseUrl}}}}admin:{password}@/orders"), "request", ()))
    assert found == [("request-literal-credential", "request")]
    # an @ in the path or query is no userinfo
    fine = _request(raw="{{baseUrl}}/users/a@shop.example?email=b@shop.example")
    assert _errors(check_request(fine, "request", (), check_data=True)) == []


def test_ordinary_fields_are_not_credentials() -> None:
    for name in (
        "Accept",
        "Content-Type",
        "X-Request-ID",
        "If-None-Match",
        "author",
        "footprint",
        "pageToken",
    ):
        assert not credential_field(name), name
    for name in (
        "Authorization",
        "X-API-Key",
        "api_key",
        "accessToken",
        "Private-Token",
        "x-csrf-token",
        "session_id",
        "client_secret",
        "password",
        "OTP",
    ):
        assert credential_field(name), name
    request = _request(
        [{"key": "Accept", "value": "application/json"}, {"key": "X-Request-ID", "value": "r-1"}]
    )
    request["url"]["query"] = [{"key": "author", "value": "Tolkien"}, {"key": "pageToken", "value": "c2"}]
    assert _errors(check_request(request, "request", (), check_data=True)) == []


def test_union_of_the_old_rules() -> None:
    token = "tok_" + secrets.token_hex(10)
    request = _request(
        [
            {"key": "Authorization", "value": "Bearer {{accessToken}} extra"},  # guard let this through
            {"key": "X-Api-Key", "value": "{{a}}{{b}}"},  # so was this
            {"key": "Private-Token", "value": token, "disabled": True},  # still committed
            {"key": "Authorization", "value": ""},
        ]
    )
    request["url"]["query"] = [{"key": "api_key", "value": token}, {"key": "limit", "value": "10"}]
    request["auth"] = {"type": "bearer", "bearer": [{"key": "token", "value": token}]}
    found = _errors(check_request(request, "/item/3/request", ()))
    assert found == [
        ("request-literal-credential", "/item/3/request/url/query/0"),
        ("request-literal-credential", "/item/3/request/header/0"),
        ("request-literal-credential", "/item/3/request/header/1"),
        ("request-literal-credential", "/item/3/request/header/2"),
        ("request-literal-credential", "/item/3/request/header/3"),
        ("request-literal-credential", "/item/3/request/auth/bearer/0"),
    ]
    # the guard's labels stay as given
    assert {loc for _, loc in _errors(check_request(request, "item[x]", ()))} == {"item[x]"}


def test_auth_blocks() -> None:
    apikey = {
        "type": "apikey",
        "apikey": [
            {"key": "key", "value": "X-API-Key"},  # the header name, not a secret
            {"key": "value", "value": "{{apiKey}}"},
            {"key": "in", "value": "header"},
        ],
    }
    assert _errors(check_request({**_request(), "auth": apikey}, "request", ())) == []
    basic = {
        "type": "basic",
        "basic": [{"key": "username", "value": "{{user}}"}, {"key": "password", "value": "pw"}],
    }
    assert [c for c, _ in _errors(check_request({**_request(), "auth": basic}, "r", ()))] == [
        "request-literal-credential"
    ]
    collection = {
        "info": {
            "name": "c",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": [{"name": "a", "request": _request([{"key": "Cookie", "value": "sid={{apiKey}}"}])}],
        "auth": basic,
        "variable": [{"key": "baseUrl", "value": "http://127.0.0.1:1"}, {"key": "apiKey", "value": "k-123"}],
    }
    assert _errors(check_collection(collection)) == [
        ("request-literal-credential", "/variable/1"),
        ("request-literal-credential", "/auth/basic/1"),
    ]


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Shop", "version": "1"},
    "servers": [{"url": "https://api.shop.example/v1"}],
    "components": {
        "securitySchemes": {
            "cookieKey": {"type": "apiKey", "in": "cookie", "name": "sid"},
            "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "queryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "basic": {"type": "http", "scheme": "basic"},
        },
        "schemas": {
            "Order": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string", "example": "o-1"}, "author": {"type": "string"}},
            }
        },
    },
    "paths": {},
}


def _operation(scheme: list[str]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": "op_" + "_".join(scheme),
            "security": [{name: [] for name in scheme}],
            "parameters": [
                {
                    "name": "author",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "example": "Ann"},
                },
                {
                    "name": "theme",
                    "in": "cookie",
                    "required": True,
                    "schema": {"type": "string", "example": "dark"},
                },
            ],
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
                },
                "401": {"description": "no"},
            },
        }
    }


def test_rule_generator_auth_passes_check_proposal(tmp_path: Path) -> None:
    schemes = [["cookieKey"], ["headerKey"], ["queryKey"], ["bearer"], ["basic"], ["cookieKey", "headerKey"]]
    spec_doc = dict(SPEC, paths={f"/orders{i}": _operation(s) for i, s in enumerate(schemes)})
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(spec_doc))
    spec = load_spec(str(path))
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    sent = {(h["key"], h["value"]) for p in proposals for h in p.item["request"].get("header", [])}
    sent |= {(q["key"], q["value"]) for p in proposals for q in p.item["request"]["url"].get("query", [])}
    assert {
        ("Cookie", "sid={{apiKey}}"),
        ("X-API-Key", "{{apiKey}}"),
        ("api_key", "{{apiKey}}"),
        ("Authorization", "Bearer {{accessToken}}"),
        ("Authorization", "Basic {{basicAuth}}"),
        ("Cookie", "theme=dark"),  # a spec's cookie parameter, not a session
    } <= sent
    # data, not a credential (the old guard refused its literal): a variable of a neutral name
    assert all(re.fullmatch(r"\{\{orders\d_param1\}\}", v) for k, v in sent if k == "author")
    for proposal in proposals:
        assert _errors(check_proposal(proposal, spec)) == [], proposal.item["name"]
    collection = build_collection("Shop", proposals, base_url="http://127.0.0.1:1")
    assert _errors(check_collection(collection)) == []
