"""The change cap bites while diffing: a spec pair with tens of thousands of changes builds only
the kept ``Change`` objects, gives the same changes as capping the full list, and says how many
were left out (functional: counts and notices, never time)."""

from __future__ import annotations

from typing import Any

import pytest

from agent.diff import cap_changes, diff_capped, diff_specs
from agent.diff import emit as emit_module
from agent.limits import Limits
from agent.models import Change, Finding, SpecDocument


def _spec(props: int, ops: int, *, kind: str, nullable: bool, required: bool) -> dict[str, Any]:
    """``ops`` operations whose response and request body have ``props`` properties each."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f"p{i}": {"type": kind, "nullable": nullable} for i in range(props)},
    }
    if required:
        schema["required"] = [f"p{i}" for i in range(props)]
    content = {"application/json": {"schema": schema}}
    responses = {"200": {"description": "ok", "content": content}, "400": {"description": "bad"}}
    paths = {
        f"/things{o}": {
            "post": {
                "operationId": f"post{o}",
                "requestBody": {"required": True, "content": content},
                "responses": responses,
            }
        }
        for o in range(ops)
    }
    return {"openapi": "3.0.3", "info": {"title": "Many", "version": "1"}, "paths": paths}


def _doc(document: dict[str, Any]) -> SpecDocument:
    return SpecDocument(ref="mem.json", version="3.0.3", document=document)


# Each property of each operation changes in the request and the response: types, nullability
# and required-ness in several mixes, so errors, warnings and infos interleave.
VARIANTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "type": ({"kind": "string", "nullable": False, "required": True}, {"kind": "integer"}),
    "nullable": ({"kind": "string", "nullable": False, "required": False}, {"nullable": True}),
    "required": ({"kind": "string", "nullable": True, "required": True}, {"required": False}),
    "all": ({"kind": "string", "nullable": False, "required": True}, {"kind": "number", "required": False}),
}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def pair(request: pytest.FixtureRequest) -> tuple[SpecDocument, SpecDocument]:
    old, change = VARIANTS[request.param]
    new = {**old, **change}
    return _doc(_spec(40, 30, **old)), _doc(_spec(40, 30, **new))


def test_the_capped_diff_is_the_full_diff_capped(pair: tuple[SpecDocument, SpecDocument]) -> None:
    base, revision = pair
    everything = diff_specs(base, revision)
    assert len(everything) > 2_000  # a pair with thousands of changes
    for cap in (1, 1_000, len(everything) - 1, len(everything)):
        limits = Limits(max_changes=cap)
        notes: list[Finding] = []
        kept, total = diff_capped(base, revision, limits, notes)
        expected, note = cap_changes(everything, limits)
        assert total == len(everything)
        assert kept == expected  # same changes, same order (errors first)
        assert notes == ([note] if note else [])


def test_the_notice_names_the_counts(pair: tuple[SpecDocument, SpecDocument]) -> None:
    base, revision = pair
    notes: list[Finding] = []
    kept, total = diff_capped(base, revision, Limits(max_changes=100), notes)
    assert len(kept) == 100
    [note] = notes
    assert note.code == "limit-max-changes" and note.severity == "warning"
    assert f"{total:,} changes" in note.message
    assert "first 100 " in note.message and f"{total - 100:,} left out" in note.message


def test_only_the_kept_changes_are_built(
    pair: tuple[SpecDocument, SpecDocument], monkeypatch: pytest.MonkeyPatch
) -> None:
    built = 0
    real = emit_module._change

    def counting(record: tuple[Any, ...]) -> Change:
        nonlocal built
        built += 1
        return real(record)

    monkeypatch.setattr(emit_module, "_change", counting)
    base, revision = pair
    kept, total = diff_capped(base, revision, Limits(max_changes=50))
    assert total > 2_000 and len(kept) == 50
    assert built == 50  # the other thousands stay records, never Change objects


def test_no_notice_under_the_cap() -> None:
    base = _doc(_spec(3, 2, kind="string", nullable=False, required=True))
    revision = _doc(_spec(3, 2, kind="integer", nullable=False, required=True))
    notes: list[Finding] = []
    kept, total = diff_capped(base, revision, Limits(), notes)
    assert kept == diff_specs(base, revision) and total == len(kept) and not notes


def test_a_repeated_change_is_counted_once() -> None:
    """Duplicates (same fingerprint) are dropped before counting, as diff_specs drops them."""
    out = emit_module.Emitter()
    for _ in range(3):
        out.add("endpoint-added", path="/a", method="get", text="added", subject=["x"])
    out.add("endpoint-added", path="/b", method="get", text="added", subject=["x"])
    assert len(out) == 2
    assert [c.path for c in out.first(1)] == ["/a"] and [c.path for c in out.changes] == ["/a", "/b"]
