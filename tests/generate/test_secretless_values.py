"""Spec values that read as secrets never cost a test: a non-secret value that fits the schema is
generated instead, and the example never ships.

Real specs carry them (a meeting password example, a token-shaped sample under a neutral name),
and random strings under names like ``key`` or ``topologyKey`` read as tokens to the gate's
entropy rule: Jira lost 66 tests and Kubernetes 250 to ``secret-in-proposal``. Every
secret-shaped value here is built at run time.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

import pytest
from jsonschema import Draft7Validator

from agent.boundary.inbound.redact import Redactor
from agent.check.batch import findings_of
from agent.generate import deterministic as rules
from agent.generate.data import named_sample, param_value, sample
from agent.generate.fits import fits
from agent.generate.secretless import reads_as_secret
from agent.models import SpecDocument
from agent.plan import plan

_ALNUM = string.ascii_letters + string.digits


def _random(alphabet: str, size: int, seed: int) -> str:
    return "".join(random.Random(seed).choices(alphabet, k=size))


def _github_token(seed: int) -> str:
    return "gh" + "p_" + _random(_ALNUM, 36, seed)


def _aws_key(seed: int) -> str:
    return "AK" + "IA" + _random(string.ascii_uppercase + "234567", 16, seed)


def _password(seed: int) -> str:
    return "Tr0ub" + "4dor&" + _random(_ALNUM, 10, seed)


def _body_spec(schema: dict[str, Any], params: list[dict[str, Any]] | None = None) -> SpecDocument:
    op: dict[str, Any] = {
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}},
    }
    if params:
        op["parameters"] = params
    doc = {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": {"/things": {"post": op}}}
    return SpecDocument(ref="t.yaml", version="3.0.3", document=doc)


def _cases(seed: int) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """name -> (body schema, secret values planted in it)."""
    password, token, aws = _password(seed), _github_token(seed), _aws_key(seed)
    return {
        "password-named fields with examples": (
            {
                "type": "object",
                "required": ["password", "meeting_password", "passcode"],
                "properties": {
                    "password": {"type": "string", "minLength": 8, "maxLength": 10, "example": password},
                    "meeting_password": {"type": "string", "example": password},
                    "passcode": {"type": "string", "pattern": "^[A-Za-z0-9]{6,10}$", "example": password},
                },
            },
            [password],
        ),
        "token-shaped examples under neutral names": (
            {
                "type": "object",
                "required": ["note", "label", "ids"],
                "properties": {
                    "note": {"type": "string", "example": token},
                    "label": {"type": "string", "maxLength": 30, "example": aws},
                    "ids": {"type": "array", "items": {"type": "string", "example": token}},
                },
            },
            [token, aws],
        ),
        "a whole-body example carrying secrets": (
            {
                "type": "object",
                "required": ["name", "settings"],
                "properties": {
                    "name": {"type": "string"},
                    "settings": {
                        "type": "object",
                        "properties": {"api_key": {"type": "string"}, "comment": {"type": "string"}},
                    },
                },
                "example": {"name": "demo", "settings": {"api_key": password, "comment": token}},
            },
            [password, token],
        ),
        "pattern-constrained key fields": (
            {
                "type": "object",
                "required": ["key", "apiKey", "topologyKey", "secretKeyRef"],
                "properties": {
                    "key": {"type": "string", "pattern": "^[A-Za-z0-9]{32}$"},
                    "apiKey": {
                        "type": "string",
                        "pattern": "^[a-f0-9]{40}$",
                        "example": _random("abcdef", 40, seed),
                    },
                    "topologyKey": {"type": "string"},
                    "secretKeyRef": {
                        "type": "object",
                        "required": ["key", "name"],
                        "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                    },
                },
            },
            [],
        ),
        "redacted examples": (
            {
                "type": "object",
                "required": ["token", "description"],
                "properties": {
                    "token": {"type": "string", "example": "[REDACTED:github-pat:1]"},
                    "description": {"type": "string", "example": "see [REDACTED:password:2] here"},
                },
            },
            ["[REDACTED:"],
        ),
    }


def _planted_params(seed: int) -> list[dict[str, Any]]:
    return [
        {
            "name": "q",
            "in": "query",
            "required": True,
            "schema": {"type": "string"},
            "example": _aws_key(seed),
        },
        {"name": "key", "in": "query", "required": True, "schema": {"type": "string", "minLength": 12}},
        {
            "name": "X-Trace",
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "examples": {"one": {"value": _github_token(seed)}},
        },
    ]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("case", list(_cases(0)))
def test_secret_looking_values_cost_no_test_and_never_ship(case: str, seed: int) -> None:
    schema, planted = _cases(seed)[case]
    spec = _body_spec(schema, _planted_params(seed))
    proposals = rules.generate(plan([], [], spec, full_spec=True), spec, seed=seed)
    assert proposals
    for proposal in proposals:
        errors = [f for f in findings_of(proposal, spec, Redactor()) if f.severity == "error"]
        assert errors == [], (case, proposal.intent.kind, errors)
        text = json.dumps(proposal.item)
        for value in [*planted, _aws_key(seed), _github_token(seed)]:
            assert value not in text, (case, proposal.intent.kind)
        if proposal.intent.kind == "happy-path":
            body = json.loads(proposal.item["request"]["body"]["raw"])
            assert not list(Draft7Validator(schema).iter_errors(body)), (case, body)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("key", {"type": "string"}),
        ("topologyKey", {"type": "string", "minLength": 20}),
        ("apiKey", {"type": "string", "pattern": "^[A-Za-z0-9]{24,32}$"}),
        ("client_secret", {"type": "string", "pattern": "^[a-z0-9]{16}$", "maxLength": 16}),
        ("keys", {"type": "array", "items": {"type": "string"}, "minItems": 2}),
    ],
)
def test_generated_values_under_credential_names_fit_and_read_as_no_secret(
    name: str, schema: dict[str, Any], seed: int
) -> None:
    value = named_sample(name, schema, random.Random(seed))
    assert not list(Draft7Validator(schema).iter_errors(value)), value
    for one in value if isinstance(value, list) else [value]:
        assert not reads_as_secret(name, one), one


@pytest.mark.parametrize("seed", range(4))
def test_parameter_examples_that_read_as_secrets_are_not_used(seed: int) -> None:
    for param in _planted_params(seed):
        value = param_value(param, random.Random(seed))
        assert not reads_as_secret(param["name"], value)
        assert value not in (_aws_key(seed), _github_token(seed))


def test_a_plain_example_is_still_used() -> None:
    schema = {
        "type": "object",
        "properties": {"key": {"type": "string", "example": "PROJ"}},
        "example": {"key": "PROJ"},
    }
    assert sample(schema, random.Random(0)) == {"key": "PROJ"}
    assert (
        param_value({"name": "key", "example": "PROJ", "schema": {"type": "string"}}, random.Random(0))
        == "PROJ"
    )


@pytest.mark.parametrize(
    ("value", "schema"),
    [
        # Square wraps its request examples: the wrapper lacks every required property
        ({"request_body": {"domain_name": "example.com"}}, {"type": "object", "required": ["domain_name"]}),
        ({"a": 1, "b": 2}, {"type": "object", "additionalProperties": False, "properties": {"a": {}}}),
        ({"a": {"n": "x"}}, {"type": "object", "properties": {"a": {"type": "object", "required": ["m"]}}}),
        ([1], {"type": "array", "minItems": 2}),
        (["x", 3], {"type": "array", "items": {"type": "string"}}),
    ],
)
def test_examples_that_break_their_object_or_array_schema_do_not_fit(
    value: Any, schema: dict[str, Any]
) -> None:
    assert not fits(value, schema)
    assert not list(
        Draft7Validator(schema).iter_errors(sample({**schema, "example": value}, random.Random(1)))
    )
