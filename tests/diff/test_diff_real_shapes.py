"""Shapes of real specs: properties moved into composition branches, and shared components
changed once but reached from many operations (grouped into one root change)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from agent.diff import diff_documents
from agent.diff.group import group
from agent.diff.render import COMMENT_LIMIT, as_markdown, as_text

USER = {
    "type": "object",
    "required": ["login", "id"],
    "properties": {"login": {"type": "string"}, "id": {"type": "integer"}, "url": {"type": "string"}},
}
ENTERPRISE = {
    "type": "object",
    "required": ["slug", "id"],
    "properties": {"slug": {"type": "string"}, "id": {"type": "integer"}},
}


def _spec(owner: Any, operations: int = 3, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """``operations`` GET operations whose responses reach ``App.owner`` (and the User schema)."""
    paths = {
        f"/apps/{i}": {
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/App"}}},
                    }
                }
            }
        }
        for i in range(operations)
    }
    schemas = {
        "User": copy.deepcopy(USER),
        "Enterprise": copy.deepcopy(ENTERPRISE),
        "App": {"type": "object", "required": ["owner"], "properties": {"owner": owner}},
        **(extra or {}),
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


BEFORE = {"$ref": "#/components/schemas/User"}
MOVED = {
    "oneOf": {"oneOf": [{"$ref": "#/components/schemas/User"}, {"$ref": "#/components/schemas/Enterprise"}]},
    "anyOf": {"anyOf": [{"$ref": "#/components/schemas/User"}, {"$ref": "#/components/schemas/Enterprise"}]},
    "allOf": {
        "allOf": [
            {"type": "object", "required": ["login"], "properties": {"login": {"type": "string"}}},
            {"$ref": "#/components/schemas/Identified"},
        ]
    },
    "inline-oneOf": {"oneOf": [copy.deepcopy(USER), copy.deepcopy(ENTERPRISE)]},
}
IDENTIFIED = {
    "Identified": {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "integer"}, "url": {"type": "string"}},
    }
}


@pytest.mark.parametrize("shape", sorted(MOVED))
def test_property_moved_into_a_branch_is_not_removed(shape: str) -> None:
    changes = diff_documents(_spec(BEFORE), _spec(MOVED[shape], extra=IDENTIFIED))
    ids = {c.id for c in changes}
    assert not {i for i in ids if i.endswith("property-removed")}, [c.text for c in changes]
    assert "response-property-became-optional" not in ids
    if shape != "allOf":  # a new alternative is the one change a client must handle
        assert {"response-property-one-of-added", "response-property-any-of-added"} & ids


@pytest.mark.parametrize("shape", sorted(MOVED))
def test_property_moved_out_of_a_branch_is_not_added(shape: str) -> None:
    changes = diff_documents(_spec(MOVED[shape], extra=IDENTIFIED), _spec(BEFORE))
    assert not [c for c in changes if "login" in c.text and c.id.endswith("property-added")]


@pytest.mark.parametrize("kw", ["oneOf", "anyOf", "allOf"])
def test_property_gone_from_every_branch_is_still_removed(kw: str) -> None:
    slim = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    changes = diff_documents(_spec(BEFORE), _spec({kw: [slim, copy.deepcopy(ENTERPRISE)]}))
    removed = {c.text for c in changes if c.id == "response-required-property-removed"}
    assert removed == {"removed the required property 'owner/login' from the 200 response (application/json)"}


@pytest.mark.parametrize(
    ("before", "after"), [({}, {"format": "int64"}), ({"format": "int32"}, {"format": "int64"})]
)
@pytest.mark.parametrize("operations", [2, 7, 40])
def test_format_change_on_a_shared_schema_is_one_root(
    before: dict[str, Any], after: dict[str, Any], operations: int
) -> None:
    old, new = _spec(BEFORE, operations), _spec(BEFORE, operations)
    old["components"]["schemas"]["User"]["properties"]["id"].update(before)
    new["components"]["schemas"]["User"]["properties"]["id"].update(after)
    changes = diff_documents(old, new)
    # oasdiff (checker/type_format.go): a format added or changed in a response is
    # response-property-type-changed at its default level, error
    assert {(c.id, c.level) for c in changes} == {("response-property-type-changed", "error")}
    roots = group(changes)
    assert len(changes) == operations and len(roots) == 1
    assert roots[0].root == "#/components/schemas/User/properties/id"
    assert len(roots[0].operations) == operations and roots[0].fields == ["owner/id"]
    text = as_text("a", "b", changes)
    assert text.count("response-property-type-changed") == 1 and f"in {operations} operations" in text


def _wide(operations: int, fields: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A pair with ``operations`` x ``fields`` distinct root changes (each schema its own)."""
    old: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    for i in range(operations):
        props = {f"field_{j}_{'x' * 40}": {"type": "string"} for j in range(fields)}
        schema = {"type": "object", "required": sorted(props), "properties": props}
        old["paths"][f"/things/{i}/{'long-segment-' * 4}"] = {
            "get": {
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": schema}}}
                }
            }
        }
    new = copy.deepcopy(old)
    for item in new["paths"].values():
        item["get"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"] = {}
    return old, new


@pytest.mark.parametrize(("operations", "fields", "max_lines"), [(30, 3, None), (400, 5, None), (400, 5, 50)])
def test_markdown_fits_a_pr_comment(operations: int, fields: int, max_lines: int | None) -> None:
    changes = diff_documents(*_wide(operations, fields))
    assert len(changes) == operations * fields
    md = as_markdown("old.yaml", "new.yaml", changes, max_lines)
    assert len(md) <= COMMENT_LIMIT
    assert f"| error | `response-required-property-removed` | {len(changes):,} | {len(changes):,} |" in md
    rows = [
        line
        for line in md.splitlines()
        if line.startswith("| error | `response-required-property-removed` | `")
    ]
    assert rows and len(rows) <= (max_lines or 200)
    if len(rows) < len(changes):
        assert f"{len(changes) - len(rows):,} more root changes not shown" in md
