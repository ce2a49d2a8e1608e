"""Hostile sizes stay bounded: big enum diffs are summarised, intents and changes are capped and
reported, and `diff` / `generate` on a million-value enum end cleanly (functional, not timed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.diff import cap_changes, diff_specs
from agent.limits import Limits
from agent.models import Finding, SpecDocument
from agent.plan import plan
from agent.specs.load import load_spec


def _enum_spec(values: list[Any], keyword: str = "enum", ops: int = 3) -> dict[str, Any]:
    """``ops`` operations using one shared enum as a query parameter, a body and a response property."""
    ref = {"$ref": "#/components/schemas/Status"}
    body = {"type": "object", "required": ["status"], "properties": {"status": ref}}
    paths = {
        f"/things{i}": {
            "post": {
                "operationId": f"post{i}",
                "parameters": [{"name": "kind", "in": "query", "required": True, "schema": ref}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"type": "object", "properties": {"status": ref}}}
                        },
                    },
                    "400": {"description": "bad"},
                },
            }
        }
        for i in range(ops)
    }
    status: dict[str, Any] = {"type": "string" if all(isinstance(v, str) for v in values) else "string"}
    status[keyword] = values
    return {
        "openapi": "3.0.3",
        "info": {"title": "Hostile", "version": "1"},
        "servers": [{"url": "http://127.0.0.1:9"}],
        "paths": paths,
        "components": {"schemas": {"Status": status}},
    }


def _doc(document: dict[str, Any], ref: str = "mem.yaml") -> SpecDocument:
    return SpecDocument(ref=ref, version="3.0.3", document=document)


def _pair(size: int, keyword: str = "enum") -> tuple[SpecDocument, SpecDocument]:
    """Base: 20 values; revision: the last 10 of them and ``size - 10`` new ones."""
    base = [f"e{i}" for i in range(20)]
    revision = base[10:] + [f"n{i}" for i in range(size - 10)]
    return _doc(_enum_spec(base, keyword)), _doc(_enum_spec(revision, keyword))


def test_a_30k_enum_diff_is_a_bounded_set_of_changes_with_the_overflow_summarised() -> None:
    base, revision = _pair(30_000)
    changes = diff_specs(base, revision)
    assert len(changes) < 200  # was one change per value and place: 90,000 here
    summaries = [c for c in changes if "29,990 values" in c.text]
    # Each place (query parameter, body property, response property) of each operation says it once.
    assert len(summaries) == 9
    assert all("(the first 20: 'n0', 'n1'" in c.text for c in summaries)
    assert {c.id for c in summaries} == {
        "request-parameter-enum-value-added",
        "request-property-enum-value-added",
        "response-property-enum-value-added",
    }
    # The 10 removed values are under the limit: still listed one by one, with their own levels.
    removed = [c for c in changes if c.id == "request-parameter-enum-value-removed"]
    assert len(removed) == 30 and all(c.level == "error" for c in removed)
    assert [c.fingerprint for c in diff_specs(base, revision)] == [c.fingerprint for c in changes]


@pytest.mark.parametrize(
    ("before", "after", "expect"),
    [
        ([f"v{i}" for i in range(300)], [], "removed 300 values"),  # a removal past the limit
        (list(range(5)), list(range(5, 400)), "added 395 values"),  # numbers
        ([1, "1", True], [1.5, *(f"s{i}" for i in range(200))], "added 201 values"),  # 1, "1", true differ
    ],
    ids=["removed", "numbers", "mixed-types"],
)
def test_enum_summaries_in_each_direction_and_type(before: list[Any], after: list[Any], expect: str) -> None:
    changes = diff_specs(_doc(_enum_spec(before, ops=1)), _doc(_enum_spec(after, ops=1)))
    assert any(expect in c.text for c in changes), [c.text for c in changes]
    assert len(changes) < 20


def test_a_different_overflow_is_a_different_change() -> None:
    base = _doc(_enum_spec(["a"], ops=1))
    one = [
        c.fingerprint
        for c in diff_specs(base, _doc(_enum_spec(["a", *(f"x{i}" for i in range(500))], ops=1)))
    ]
    two = [
        c.fingerprint
        for c in diff_specs(base, _doc(_enum_spec(["a", *(f"x{i}" for i in range(499)), "z"], ops=1)))
    ]
    assert set(one).isdisjoint(two)  # same count and first 20 values, different values


def test_extensible_enum_and_the_limit_setting() -> None:
    base, revision = _pair(400, keyword="x-extensible-enum")
    shrunk = diff_specs(revision, base)  # 390 values removed
    assert any("390 values" in c.text and "extensible enum" in c.text for c in shrunk)
    small = _doc(_enum_spec(["a"], ops=1)), _doc(_enum_spec(["a", "b", "c", "d"], ops=1))
    assert sum("enum value 'b'" in c.text for c in diff_specs(*small)) == 3  # listed by default
    summarised = diff_specs(*small, Limits(max_enum_values=2))
    assert any("3 values (the first 3: 'b', 'c', 'd')" in c.text for c in summarised)


def test_the_30k_pair_plans_a_bounded_number_of_intents_and_says_what_it_left_out() -> None:
    base, revision = _pair(30_000)
    notes: list[Finding] = []
    intents = plan(diff_specs(base, revision), [], revision, notes=notes)
    per_op: dict[str, int] = {}
    for intent in intents:
        per_op[intent.operation] = per_op.get(intent.operation, 0) + 1
    assert per_op and max(per_op.values()) <= 50 and len(intents) <= 150
    codes = {n.code for n in notes}
    assert codes == {"limit-enum-values", "limit-intents-per-operation"}
    assert any(n.message.startswith("POST /things0: 30,000 enum values of query 'kind'") for n in notes)
    assert len(notes) == len(set(notes))  # each said once, however many changes named the enum
    # A smaller cap is honoured too; per-value tests are the first to go.
    few = plan(diff_specs(base, revision), [], revision, limits=Limits(max_intents_per_operation=3))
    assert len(few) == 9 and sum(i.kind.value == "enum-values" for i in few) == 3


def test_changes_per_run_are_capped_errors_first() -> None:
    base, revision = _pair(30)
    changes = diff_specs(base, revision)
    kept, note = cap_changes(changes, Limits(max_changes=5))
    assert len(kept) == 5 and all(c.level == "error" for c in kept)
    assert (
        note is not None and note.code == "limit-max-changes" and f"{len(changes):,} changes" in note.message
    )
    assert cap_changes(changes) == (changes, None)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from agent.cli.main import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def _write_pair(folder: Path, size: int) -> tuple[str, str]:
    base, revision = (json.dumps(d.document) for d in _pair(size))
    (folder / "base.json").write_text(base)
    (folder / "revision.json").write_text(revision)
    return str(folder / "base.json"), str(folder / "revision.json")


def test_diff_of_a_million_value_enum_ends_cleanly(tmp_path: Path) -> None:
    base, revision = _write_pair(tmp_path, 1_000_000)
    assert load_spec(revision).document["components"]["schemas"]["Status"]["enum"][-1] == "n999989"
    done = _cli("diff", base, revision, "--format", "json", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert len(report["changes"]) < 200
    assert any("999,990 values" in c["text"] for c in report["changes"])


def test_generate_on_the_30k_pair_reports_its_limits_and_finishes(tmp_path: Path) -> None:
    base, revision = _write_pair(tmp_path, 30_000)
    out = tmp_path / "collection.json"
    done = _cli("generate", "--base", base, "--spec", revision, "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "limits.max_intents_per_operation" in done.stderr and "Traceback" not in done.stderr
    assert len(json.loads(out.read_text())["item"]) >= 1


def test_a_value_too_big_for_a_script_is_refused_before_it_is_encoded() -> None:
    from agent.generate import scripts

    with pytest.raises(scripts.Refused, match="more than 20,000 items"):
        scripts.literal({"enum": [f"v{i}" for i in range(1_000_000)]}, indent=True)
    assert scripts.literal({"enum": ["a", "b"]}) == '{"enum": ["a", "b"]}'


def _deep(depth: int, leaf: str, via: str) -> SpecDocument:
    schema: dict[str, Any] = {"type": leaf}
    for _ in range(depth):
        if via == "items":
            schema = {"type": "array", "items": schema}
        else:
            schema = {"type": "object", "properties": {"child": schema}}
    response = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    return _doc(
        {
            "openapi": "3.0.3",
            "info": {"title": "Deep", "version": "1"},
            "paths": {"/deep": {"get": {"responses": {"200": response}}}},
        }
    )


@pytest.mark.parametrize("via", ["properties", "items"])
def test_a_change_too_deep_to_compare_is_reported_not_dropped(via: str) -> None:
    notes: list[Finding] = []
    assert diff_specs(_deep(5, "string", via), _deep(5, "integer", via), notes=notes) and not notes
    assert not diff_specs(_deep(40, "string", via), _deep(40, "integer", via), notes=notes)
    assert [n.code for n in notes] == ["limit-schema-depth"]
    assert "#/paths/~1deep/get/responses/200" in notes[0].message
    notes.clear()
    diff_specs(_deep(40, "string", via), _deep(40, "string", via), notes=notes)
    assert not notes  # equal below the limit: nothing to say


def test_diff_cli_says_what_it_could_not_compare(tmp_path: Path) -> None:
    for name, leaf in (("base.json", "string"), ("revision.json", "integer")):
        (tmp_path / name).write_text(json.dumps(_deep(40, leaf, "properties").document))
    done = _cli("diff", str(tmp_path / "base.json"), str(tmp_path / "revision.json"), cwd=tmp_path)
    assert done.returncode == 0 and "0 changes" in done.stdout
    assert done.stderr.startswith("postwright: warning: schemas differ more than 12 levels deep at 1 place ")
