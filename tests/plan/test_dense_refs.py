"""A dense graph of `$ref`s (Stripe's expandable objects refer to each other dozens of levels
deep) is inlined within a bounded number of objects, and planning over it ends with its intents
(functional: counts, never time)."""

from __future__ import annotations

from typing import Any

import pytest

from agent.diff import diff_specs
from agent.models import SpecDocument
from agent.plan import plan
from agent.specs.document import MAX_INLINED_NODES, deref_schema


def _ref(i: int) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/S{i}"}


# Three ways a schema can point at every other one: a property each, an expandable id-or-object
# (anyOf [string, $ref], as Stripe writes it), an array of them.
SHAPES = {
    "properties": lambda i: _ref(i),
    "expandable": lambda i: {"anyOf": [{"type": "string"}, _ref(i)]},
    "array": lambda i: {"type": "array", "items": _ref(i)},
}


def _dense(n: int, shape: str, extra: str | None = None) -> dict[str, Any]:
    """``n`` schemas, each referring to all the others; GET /x returns S0."""
    schemas = {
        f"S{i}": {
            "type": "object",
            "required": ["id", *([extra] if extra and i == 0 else [])],
            "properties": {
                "id": {"type": "string"},
                **({extra: {"type": "string"}} if extra and i == 0 else {}),
                **{f"r{j}": SHAPES[shape](j) for j in range(n) if j != i},
            },
        }
        for i in range(n)
    }
    ok = {"description": "ok", "content": {"application/json": {"schema": _ref(0)}}}
    paths = {"/x": {"get": {"operationId": "getX", "responses": {"200": ok, "404": {"description": "no"}}}}}
    return {"openapi": "3.0.3", "info": {"title": "Dense", "version": "1"}, "paths": paths,
            "components": {"schemas": schemas}}  # fmt: skip


def _objects(value: Any) -> int:
    """Objects and arrays in a tree, each time it appears (what a walk over it visits)."""
    if isinstance(value, dict):
        return 1 + sum(_objects(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_objects(v) for v in value)
    return 0


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_inlining_a_dense_graph_is_bounded(shape: str) -> None:
    doc = _dense(9, shape)
    inlined = deref_schema(doc, _ref(0))
    # a cycle-free walk of this graph has 9! paths: without a bound this is millions of objects
    assert MAX_INLINED_NODES // 2 < _objects(inlined) <= MAX_INLINED_NODES + 64 * 9
    assert inlined["properties"]["id"] == {"type": "string"}  # the top levels are inlined as ever


def test_a_small_graph_is_inlined_whole() -> None:
    doc = _dense(4, "properties")
    inlined = deref_schema(doc, _ref(0))
    # S0 -> S1 -> S2 -> S3 -> (S0 again: {}) along every path
    deepest = inlined["properties"]["r1"]["properties"]["r2"]["properties"]["r3"]["properties"]
    assert deepest["r0"] == {} and deepest["id"] == {"type": "string"}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_planning_a_removed_property_in_a_dense_graph_ends(shape: str) -> None:
    old = SpecDocument(ref="old.json", version="3.0.3", document=_dense(9, shape, extra="gone"))
    new = SpecDocument(ref="new.json", version="3.0.3", document=_dense(9, shape))
    changes = diff_specs(old, new)
    assert any(c.id == "response-required-property-removed" for c in changes)
    intents = plan(changes, [], new)
    assert intents and {i.operation for i in intents} == {"GET /x"}
