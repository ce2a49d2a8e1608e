"""A SigV4 security scheme (API Gateway's ``x-amazon-apigateway-authtype: awsSigv4``) becomes
Postman's awsv4 auth of ``{{variables}}``; the check stage wants it there and refuses a literal."""

from __future__ import annotations

import random
from typing import Any

import pytest

from agent.boundary.outbound.request import check_request
from agent.check.conformance import request_violations
from agent.check.spec_context import SpecContext
from agent.generate.postman import CREDENTIAL_VARIABLES
from agent.generate.requests import awsv4_auth, build_request, sigv4
from agent.models import SpecDocument
from agent.specs.document import operations


def _doc(scheme: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": {"iam": scheme}},
        "security": [{"iam": []}],
        "paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }


SIGV4 = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}


@pytest.mark.parametrize("spelling", ["awsSigv4", "awsSigV4", "AWSSIGV4"])
def test_a_sigv4_scheme_is_signed_by_newman_from_variables(spelling: str) -> None:
    doc = _doc({**SIGV4, "x-amazon-apigateway-authtype": spelling})
    op = next(operations(doc))
    request = build_request(doc, op, random.Random(0), {}, "200")
    assert request["auth"] == awsv4_auth() and all(h["key"] != "Authorization" for h in request["header"])
    assert all(a["value"].startswith("{{") for a in request["auth"]["awsv4"])
    unsigned = build_request(doc, op, random.Random(0), {"omit": {"in": "auth"}}, "401")
    assert "auth" not in unsigned  # a missing-credentials test goes without


@pytest.mark.parametrize(
    "scheme",
    [
        {"type": "apiKey", "name": "Authorization", "in": "header"},  # a plain API key: no signing
        {"type": "http", "scheme": "bearer"},
        {"type": "apiKey", "name": "x", "in": "header", "x-amazon-apigateway-authtype": "custom"},
    ],
)
def test_other_schemes_are_not_signed(scheme: dict[str, Any]) -> None:
    doc = _doc(scheme)
    assert not sigv4(scheme) and "auth" not in build_request(
        doc, next(operations(doc)), random.Random(0), {}, "200"
    )


def test_the_check_stage_wants_the_signature_and_only_variables_in_it() -> None:
    doc = _doc(SIGV4)
    ctx = SpecContext(SpecDocument(ref="t.yaml", version="3.0.3", document=doc))
    op = next(operations(doc))
    signed = build_request(doc, op, random.Random(0), {}, "200")
    assert request_violations(ctx, op, signed, {}) == []
    bare = {k: v for k, v in signed.items() if k != "auth"}
    assert request_violations(ctx, op, bare, {}) == [
        "credentials for the 'apikey' security scheme are missing"
    ]
    literal = {**signed, "auth": {"type": "awsv4", "awsv4": [{"key": "secretKey", "value": "x" * 40}]}}
    found = check_request(literal, "/item/0/request", ())
    assert [f.code for f in found] == ["request-literal-credential"]
    # the mock gets the stand-in credential in the keys; region and service are plain defaults
    assert CREDENTIAL_VARIABLES["awsSecretAccessKey"] == "{{accessToken}}"
    assert CREDENTIAL_VARIABLES["awsService"] == "execute-api"
