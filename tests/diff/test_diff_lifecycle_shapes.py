"""Lifecycle rules (sunset, stability) and shape-aware rules (null wrap, type lists, media names)."""

from __future__ import annotations

import copy
from typing import Any

from agent.diff import diff_documents


def _doc(op: dict[str, Any] | None = None, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    get: dict[str, Any] = {
        "operationId": "getThing",
        "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
        "responses": {
            "200": {
                "description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
            }
        },
    }
    get.update(op or {})
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "get": get,
                "post": {
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                    },
                    "responses": {"201": {"description": "made"}},
                },
            }
        },
        "components": {
            "schemas": {
                "Thing": schema
                or {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                    },
                }
            }
        },
    }


def _ids(base: dict[str, Any], rev: dict[str, Any]) -> set[str]:
    return {c.id for c in diff_documents(base, rev)}


def test_deprecation_sunset_and_stability_of_an_endpoint() -> None:
    base = _doc()
    assert "endpoint-deprecated-with-sunset" in _ids(
        base, _doc({"deprecated": True, "x-sunset": "9999-01-01"})
    )
    assert "api-deprecated-sunset-parse" in _ids(base, _doc({"deprecated": True, "x-sunset": "soon"}))
    was = _doc({"deprecated": True, "x-sunset": "9999-01-01"})
    assert "sunset-deleted" in _ids(was, _doc({"deprecated": True}))
    assert "api-sunset-date-changed-too-small" in _ids(
        was, _doc({"deprecated": True, "x-sunset": "2020-01-01"})
    )
    assert "api-stability-decreased" in _ids(
        _doc({"x-stability-level": "stable"}), _doc({"x-stability-level": "beta"})
    )
    assert "api-invalid-stability-level" in _ids(base, _doc({"x-stability-level": "ga"}))


def test_removal_respects_sunset_dates_and_draft_stability() -> None:
    gone = _doc()
    del gone["paths"]["/things"]["get"]
    assert "api-removed-before-sunset" in _ids(_doc({"deprecated": True, "x-sunset": "9999-01-01"}), gone)
    assert "api-removed-with-deprecation" in _ids(_doc({"deprecated": True, "x-sunset": "2020-01-01"}), gone)
    assert not {"api-removed-without-deprecation"} & _ids(_doc({"x-stability-level": "alpha"}), gone)


def test_parameter_sunset_on_removal() -> None:
    base = _doc()
    base["paths"]["/things"]["get"]["parameters"][0].update({"deprecated": True, "x-sunset": "9999-01-01"})
    rev = _doc()
    rev["paths"]["/things"]["get"]["parameters"] = []
    assert "request-parameter-removed-before-sunset" in _ids(base, rev)


def test_null_wrapping_is_a_nullability_change() -> None:
    base = _doc()
    rev = copy.deepcopy(base)
    props = rev["components"]["schemas"]["Thing"]["properties"]
    props["kind"] = {"oneOf": [{"type": "null"}, {"type": "string", "enum": ["a", "b"]}]}
    ids = _ids(base, rev)
    assert {"request-property-became-nullable", "response-property-became-nullable"} <= ids
    assert not any("one-of" in i for i in ids)
    assert "request-property-became-not-nullable" in _ids(rev, base)


def test_list_of_types_and_scalar_to_array_parameters() -> None:
    base = _doc()
    rev = copy.deepcopy(base)
    rev["components"]["schemas"]["Thing"]["properties"]["name"] = {
        "oneOf": [{"type": "string"}, {"type": "integer"}]
    }
    assert {"response-property-list-of-types-widened", "request-property-list-of-types-widened"} <= _ids(
        base, rev
    )
    rev = copy.deepcopy(base)
    rev["paths"]["/things"]["get"]["parameters"][0]["schema"] = {"type": "array", "items": {"type": "string"}}
    assert "request-parameter-type-generalized" in _ids(base, rev)
    rev["paths"]["/things"]["get"]["parameters"][0]["schema"]["items"]["pattern"] = "^a"
    assert "request-parameter-type-changed" in _ids(base, rev)


def test_media_type_renames_and_wrapping_in_one_of() -> None:
    base = _doc()
    rev = copy.deepcopy(base)
    content = rev["paths"]["/things"]["get"]["responses"]["200"]["content"]
    content["application/problem+json"] = content.pop("application/json")
    assert "response-media-type-name-specialized" in _ids(base, rev)
    assert "response-media-type-name-generalized" in _ids(rev, base)
    rev = _doc(
        schema={
            "oneOf": [
                {"type": "object", "properties": {"name": {"type": "string"}}},
                {"type": "object", "properties": {"kind": {"type": "string"}}},
            ]
        }
    )
    ids = _ids(base, rev)
    assert {"request-body-wrapped-in-one-of", "response-body-wrapped-in-one-of"} <= ids
    assert "response-optional-property-removed" not in ids


def test_patterns_annotation_only_all_of_and_extensible_enums() -> None:
    base = _doc()
    rev = copy.deepcopy(base)
    props = rev["components"]["schemas"]["Thing"]["properties"]
    base["components"]["schemas"]["Thing"]["properties"]["name"]["pattern"] = "^[a-z]+$"
    props["name"]["pattern"] = ".*"
    props["kind"]["allOf"] = [{"title": "just a label"}]
    ids = _ids(base, rev)
    assert {"request-property-pattern-generalized", "request-property-all-of-added-annotation-only"} <= ids
    assert "response-property-all-of-added-annotation-only" not in ids  # oasdiff's tests expect silence
    base["paths"]["/things"]["get"]["parameters"][0]["schema"]["x-extensible-enum"] = ["a", "b"]
    rev["paths"]["/things"]["get"]["parameters"][0]["schema"]["x-extensible-enum"] = ["a"]
    assert "request-parameter-x-extensible-enum-value-removed" in _ids(base, rev)


def test_unchanged_operations_still_see_changed_components() -> None:
    base = _doc()
    rev = copy.deepcopy(base)
    assert diff_documents(base, rev) == []
    rev["components"]["schemas"]["Thing"]["properties"]["kind"]["enum"] = ["a"]
    # the operations are equal objects; only the component they reference changed
    assert {"response-property-enum-value-removed", "request-property-enum-value-removed"} <= _ids(base, rev)


def test_a_value_that_changes_json_type_is_not_skipped() -> None:
    base = _doc()
    base["components"]["schemas"]["Thing"]["properties"]["kind"]["enum"] = [1, 2]
    rev = copy.deepcopy(base)
    rev["components"]["schemas"]["Thing"]["properties"]["kind"]["enum"] = [True, 2]  # 1 == True in Python
    assert "request-property-enum-value-removed" in _ids(base, rev)
