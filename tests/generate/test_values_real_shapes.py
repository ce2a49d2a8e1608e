"""Generated values on shapes from real specs: each must validate against its own schema."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from jsonschema import Draft7Validator

from agent.generate.data import param_value, sample

SHA = "^sha256:[a-f0-9]{64}$"
CASES: dict[str, dict[str, Any]] = {
    # patterns (GitHub's image versions, digests), with and without length bounds
    "pattern semver": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
    "pattern code": {"type": "string", "pattern": r"^[a-z]{3}-\d{2,4}$", "maxLength": 8},
    "pattern long": {"type": "string", "pattern": SHA},
    "pattern + bad example": {"type": "string", "pattern": SHA, "example": "sha256:0ecbaa601dba..."},
    "pattern + minLength": {"type": "string", "pattern": "^[A-Z]+$", "minLength": 20},
    # formats, and examples that break them
    "uri + relative example": {"type": "string", "format": "uri", "example": "com/github/bar/libfoo-1.2.3"},
    "date-time": {"type": "string", "format": "date-time"},
    "date + bad example": {"type": "string", "format": "date", "example": "yesterday"},
    "email": {"type": "string", "format": "email"},
    "uuid": {"type": "string", "format": "uuid"},
    # enums wrapped as allOf: [$ref] (refs are inlined before sampling)
    "allOf enum": {"allOf": [{"type": "string", "enum": ["open", "closed"]}], "description": "state"},
    "allOf enum + nullable": {"allOf": [{"type": "string", "enum": ["a", "b"]}], "nullable": True},
    "allOf enum + bad default": {"allOf": [{"type": "string", "enum": ["x", "y"]}], "default": "z"},
    "allOf two parts": {
        "allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer", "minimum": 5}}},
            {"type": "object", "required": ["b"], "properties": {"b": {"type": "string", "enum": ["k"]}}},
        ]
    },
    # numeric bounds, exclusive ones in both OpenAPI 3.0 (boolean) and 3.1 (number) style
    "number fraction": {"type": "number", "minimum": 0.5, "maximum": 0.9},
    "number exclusive 3.1": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    "integer exclusive 3.0": {"type": "integer", "minimum": 1, "maximum": 3, "exclusiveMinimum": True},
    "integer exclusive 3.1": {"type": "integer", "exclusiveMinimum": 10, "exclusiveMaximum": 12},
    "number + bad example": {"type": "number", "maximum": 10, "example": 50},
    "integer min only": {"type": "integer", "minimum": 1000},
    # objects: additionalProperties false, oneOf of required-only branches, minProperties
    "oneOf required branches": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"state": {"type": "string"}, "reason": {"type": "string"}},
        "oneOf": [{"required": ["state"]}, {"required": ["reason"]}],
    },
    "anyOf typed by parent": {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "anyOf": [{"required": ["a"]}],
    },
    "minProperties map": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "integer"}},
    "closed object": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id"],
        "properties": {"id": {"type": "integer", "maximum": 3}, "tag": {"type": "string", "maxLength": 2}},
    },
    # an example of the wrong type
    "array + string example": {"type": "array", "items": {"type": "string"}, "example": "a.map(x => x)"},
}


def _json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.0 keywords used above as JSON Schema (draft 7)."""
    out = {k: v for k, v in schema.items() if k not in ("nullable", "example")}
    if schema.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        if out.get(key) is True:
            out[key] = out.pop("minimum" if key == "exclusiveMinimum" else "maximum")
    return out


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sampled_values_validate(name: str, seed: int) -> None:
    schema = CASES[name]
    value = sample(schema, random.Random(seed))
    errors = [e.message for e in Draft7Validator(_json_schema(schema)).iter_errors(value)]
    assert not errors, (value, errors)
    if schema.get("format") in ("date", "date-time", "uuid", "email"):
        shapes = {
            "date": r"\d{4}-\d\d-\d\d",
            "date-time": r"\d{4}-\d\d-\d\dT.+",
            "uuid": r"[0-9a-f-]{36}",
            "email": r".+@.+",
        }
        assert re.fullmatch(shapes[schema["format"]], value)
    if schema.get("format") == "uri":
        assert re.match(r"[a-z]+:", value)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_of_gets_one_branch_only(seed: int) -> None:
    value = sample(CASES["oneOf required branches"], random.Random(seed))
    assert list(value) in (["state"], ["reason"])


@pytest.mark.parametrize(
    ("schema", "example"),
    [
        ({"type": "string", "pattern": r"^\d+$"}, "abc"),
        ({"type": "integer", "maximum": 9}, 99),
        ({"type": "string", "enum": ["a"]}, "b"),
        ({"allOf": [{"type": "string", "enum": ["on", "off"]}]}, "maybe"),
    ],
)
def test_parameter_examples_that_break_their_schema_are_not_used(
    schema: dict[str, Any], example: Any
) -> None:
    param = {"name": "p", "in": "query", "schema": schema, "example": example}
    value = param_value(param, random.Random(1))
    assert value != example
    assert not list(Draft7Validator(_json_schema(schema)).iter_errors(value))


def test_parameter_examples_that_fit_are_kept() -> None:
    param = {
        "name": "v",
        "in": "path",
        "schema": {"type": "string", "pattern": r"^\d+\.\d+$"},
        "example": "1.2",
    }
    assert param_value(param, random.Random(1)) == "1.2"
