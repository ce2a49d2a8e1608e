"""A schema cut at the inlining cap (``MAX_INLINED_NODES``) is said once per run, naming the
schema and the limit; schemas inlined whole (small, cyclic, no refs) say nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.cli.main import main
from agent.specs.document import MAX_INLINED_NODES, cut_notice, deref_schema


def _ref(i: int) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/S{i}"}


# Three ways a schema can point at every other one (as in tests/plan/test_dense_refs.py).
SHAPES = {
    "properties": lambda i: _ref(i),
    "expandable": lambda i: {"anyOf": [{"type": "string"}, _ref(i)]},
    "array": lambda i: {"type": "array", "items": _ref(i)},
}


def _dense(n: int, shape: str = "properties") -> dict[str, Any]:
    """``n`` schemas, each referring to all the others; GET /x returns S0."""
    schemas = {
        f"S{i}": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                **{f"r{j}": SHAPES[shape](j) for j in range(n) if j != i},
            },
        }
        for i in range(n)
    }
    ok = {"description": "ok", "content": {"application/json": {"schema": _ref(0)}}}
    paths = {"/x": {"get": {"operationId": "getX", "responses": {"200": ok}}}}
    return {"openapi": "3.0.3", "info": {"title": "Dense", "version": "1"}, "paths": paths,
            "components": {"schemas": schemas}}  # fmt: skip


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_cut_schema_is_named_with_the_limit(shape: str) -> None:
    doc = _dense(9, shape)
    deref_schema(doc, _ref(0))
    notice = cut_notice(doc)
    assert notice is not None and notice.severity == "warning" and notice.code == "limit-inlined-nodes"
    assert "#/components/schemas/S0" in notice.message
    assert f"{MAX_INLINED_NODES:,}" in notice.message and "MAX_INLINED_NODES" in notice.message
    assert "\n" not in notice.message


@pytest.mark.parametrize(
    "doc, schema",
    [
        (_dense(4), _ref(0)),  # small: every path ends at a cycle long before the cap
        (_dense(9), {"type": "object", "properties": {"id": {"type": "string"}}}),  # reaches no ref
        ({"components": {"schemas": {"S0": {"type": "array", "items": _ref(0)}}}}, _ref(0)),  # cyclic
    ],
    ids=["small-graph", "no-ref", "self-cycle"],
)
def test_a_schema_inlined_whole_says_nothing(doc: dict[str, Any], schema: Any) -> None:
    deref_schema(doc, schema)
    assert cut_notice(doc) is None


def test_one_notice_for_several_cut_schemas_and_repeated_inlining() -> None:
    doc = _dense(9)
    for _ in range(3):  # generation inlines the same schema for every test: said once
        for i in (0, 1):
            deref_schema(doc, _ref(i))
    first = cut_notice(doc)
    assert first is not None and "S0" in first.message and "and 1 more schema:" in first.message
    deref_schema(doc, _ref(0))
    assert cut_notice(doc) == first


def test_a_large_inline_schema_is_named_as_such() -> None:
    doc = _dense(4)
    # the budget is spent on the inline objects before the ref is met
    schema = {"allOf": [*({} for _ in range(MAX_INLINED_NODES)), _ref(0)]}
    done = deref_schema(doc, schema)
    assert done["allOf"][-1] == {}
    notice = cut_notice(doc)
    assert notice is not None and "an inline schema" in notice.message


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_generate_warns_once_with_the_schema_and_the_limit(
    shape: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "dense.json"
    spec.write_text(json.dumps(_dense(9, shape)))
    args = [
        "--state-dir",
        str(tmp_path / "st"),
        "generate",
        "--spec",
        str(spec),
        "-o",
        str(tmp_path / "c.json"),
    ]
    with pytest.raises(SystemExit):
        main(args)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "MAX_INLINED_NODES" in line]
    assert len(lines) == 1, err
    assert "#/components/schemas/S0" in lines[0] and f"{MAX_INLINED_NODES:,}" in lines[0]
