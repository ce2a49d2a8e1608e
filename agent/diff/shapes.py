"""Schema shapes that oasdiff reads as something other than their keywords.

``oneOf: [{type: "null"}, X]`` is "X, nullable"; ``oneOf: [{type: a}, {type: b}]`` is the type
list ``[a, b]``; a query parameter going from a scalar to a form-exploded array of the same
values is a widening. Seeing these shapes keeps the diff from reporting the mechanics
(alternatives added, type gone) instead of the one change a client notices.
"""

from __future__ import annotations

from typing import Any

from agent.diff.findings import types_of

# Keys of a oneOf/anyOf member that only names a type (oasdiff's "list of types").
BARE_TYPE = frozenset({"type", "format", "nullable", "title", "description"})
# Keywords that describe a schema without constraining instances (OAS discussion #3793).
ANNOTATIONS = frozenset(
    {"title", "description", "examples", "example", "default", "externalDocs", "$comment", "deprecated"}
)
_NOT_CONSTRAINTS = ANNOTATIONS | {"type", "nullable", "readOnly", "writeOnly", "xml"}


def type_list(schema: dict[str, Any]) -> str | None:
    """ "oneOf"/"anyOf" when the schema is a list of bare types (``oneOf: [{type: a}, ...]``)."""
    if "type" in schema:
        return None
    for kw in ("oneOf", "anyOf"):
        members = schema.get(kw)
        if (
            isinstance(members, list)
            and members
            and all(
                isinstance(m, dict) and isinstance(m.get("type"), str) and m.keys() <= BARE_TYPE
                for m in members
            )
        ):
            return kw
    return None


def listed(members: list[Any]) -> tuple[frozenset[str], bool]:
    """Types named by the members of a list-of-types composition, and whether null is one."""
    kinds = {m["type"] for m in members}
    return frozenset(kinds - {"null"}), "null" in kinds or any(m.get("nullable") is True for m in members)


def null_wrapped(schema: dict[str, Any]) -> Any:
    """X when ``schema`` is ``oneOf``/``anyOf`` of ``{type: "null"}`` and X (nothing else), else None."""
    for kw in ("oneOf", "anyOf"):
        members = schema.get(kw)
        if not isinstance(members, list) or len(members) != 2:
            continue
        if not schema.keys() - {kw} <= ANNOTATIONS:
            return None
        nulls = [m for m in members if isinstance(m, dict) and m == {"type": "null"}]
        if len(nulls) == 1:
            return members[1] if members[0] is nulls[0] else members[0]
    return None


def scalar_to_array(
    param: dict[str, Any], base: dict[str, Any], rev: dict[str, Any], items: Any
) -> str | None:
    """The rule for a form-exploded query parameter going from scalar values to an array of them.

    A single value is a valid one-element array on the wire, so the change is a widening when
    the items accept every value the scalar did (query values are strings, so string items
    accept any) and add no constraint; otherwise it is a type change. None when the shape does
    not apply.
    """
    if param.get("in") not in ("query", "cookie") or param.get("style", "form") != "form":
        return None
    if param.get("explode", True) is not True:
        return None
    before, after = types_of(base)[0], types_of(rev)[0]
    if after != {"array"} or not before or "array" in before or "object" in before:
        return None
    if not isinstance(items, dict):
        return "request-parameter-type-changed"
    item_types = types_of(items)[0]
    widened = "integer" in item_types and "number" not in item_types
    accepts = "string" in item_types or before <= (
        item_types | ({"integer"} if "number" in item_types else set())
    )
    same_limits = all(base.get(k) == v for k, v in items.items() if k not in _NOT_CONSTRAINTS)
    if accepts and same_limits and not (widened and "number" in before):
        return "request-parameter-type-generalized"
    return "request-parameter-type-changed"
