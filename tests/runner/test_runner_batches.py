"""Large collections run in batches: a batch that times out or crashes leaves its items unfinished
(no verdict, not failures), the other batches' results stand, progress is told, and the report
keeps no script text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.models import SpecDocument
from agent.runner import NewmanRunner, newman
from agent.runner.batches import batches
from agent.runner.credentials import Masker
from agent.runner.report import ItemOutcome, VerifyReport
from tests.runner.runner_helpers import collection, item

PASS = "pm.test('status is 200', () => pm.response.to.have.status(200));"


def _items(n: int) -> list[dict[str, Any]]:
    return [item(f"pw-{i}", "{{baseUrl}}/pets/42", PASS) for i in range(n)]


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_batches_cover_every_item_once_and_keep_folders_and_variables(size: int) -> None:
    flat = _items(3)
    coll = collection(
        flat[0], {"name": "f", "description": "d", "item": [flat[1], {"name": "g", "item": [flat[2]]}]}
    )
    flat[1]["event"][0]["script"]["exec"].append(
        'const schema = JSON.parse(pm.collectionVariables.get("pwSchema-1"));'
    )
    coll["variable"] = [
        {"key": "baseUrl", "value": ""},
        {"key": "pwSchema-1", "value": "{}"},
        {"key": "pwSchema-2", "value": "{}"},
    ]
    coll["event"] = [{"listen": "test", "script": {"exec": ["// collection level"]}}]
    parts = list(batches({**coll, "item": [*coll["item"], *_items(5)[3:]]}, size))
    ids = [i for _, chosen in parts for i in chosen]
    assert ids == [f"pw-{i}" for i in range(5)]
    assert all(len(chosen) <= size for _, chosen in parts)
    for part, chosen in parts:
        assert part["event"] == coll["event"]
        # only the shared schemas the batch's scripts read travel with it
        keys = [v["key"] for v in part["variable"]]
        if size >= 5:  # one batch: the collection as it is
            assert keys == ["baseUrl", "pwSchema-1", "pwSchema-2"]
        else:
            assert keys == (["baseUrl", "pwSchema-1"] if "pw-1" in chosen else ["baseUrl"])
        text = json.dumps(part["item"])
        assert all((f'"{i}"' in text) == (i in chosen) for i in ids)
        assert '"item": []' not in text  # no empty folder
        if "pw-1" in chosen:
            folder = next(n for n in part["item"] if n.get("name") == "f")
            assert folder["description"] == "d"


def test_a_small_collection_runs_as_it_is() -> None:
    coll = collection(*_items(2), {"name": "no id", "request": {"url": "{{baseUrl}}/x"}})
    assert list(batches(coll, 100)) == [(coll, ["pw-0", "pw-1"])]


def _execution(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "item": {"id": item_id}, "assertions": [{"assertion": "ok"}], "response": {}}


def _runner(tmp_path: Path, events: list[dict[str, Any]]) -> tuple[NewmanRunner, VerifyReport]:
    runner = NewmanRunner(tmp_path, timeout=5, batch_size=2, progress=events.append)
    runner._batches = [["a", "b"], ["c", "d"], ["e"]]
    report = VerifyReport(items={i: ItemOutcome(i, i) for i in "abcde"})
    return runner, report


def _fold(runner: NewmanRunner, report: VerifyReport, number: int, event: dict[str, Any]) -> None:
    ids = runner._batches[number - 1]
    runner._fold(event, report, 1, Masker(), number, ids)
    runner._tell(report, 1, 1, number)


@pytest.mark.parametrize(
    "broken",
    [
        {"timed_out": True, "rc": -9, "seconds": 5.0},  # timeout
        {"timed_out": False, "rc": 1, "seconds": 0.4, "output": "RangeError: Invalid string length"},  # crash
        "unreadable",
        "oversized",
    ],
    ids=["timeout", "crash", "unreadable", "oversized"],
)
def test_a_broken_batch_leaves_its_items_unfinished_and_keeps_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: Any
) -> None:
    events: list[dict[str, Any]] = []
    runner, report = _runner(tmp_path, events)
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"run": {"executions": [_execution("a"), _execution("b")]}}))
    _fold(runner, report, 1, {"report": str(good), "seconds": 1.0, "rc": 0})
    if isinstance(broken, dict):
        event = broken
    else:
        bad = tmp_path / "bad.json"
        bad.write_text("{not json" if broken == "unreadable" else json.dumps({"run": {}}))
        if broken == "oversized":
            monkeypatch.setattr(newman, "MAX_REPORT_BYTES", 4)
        event = {"report": str(bad), "seconds": 1.0, "rc": 0}
    _fold(runner, report, 2, event)
    third = tmp_path / "third.json"
    third.write_text(json.dumps({"run": {"failures": [], "executions": [_execution("e")]}}))
    monkeypatch.setattr(newman, "MAX_REPORT_BYTES", 1 << 20)
    _fold(runner, report, 3, {"report": str(third), "seconds": 1.0, "rc": 0})

    status = {i: o.status for i, o in report.items.items()}
    assert status == {"a": "passed", "b": "passed", "c": "unfinished", "d": "unfinished", "e": "passed"}
    assert report.items["c"].runs_failed == 0  # a timeout or crash is never a failed test
    result = report.result()
    assert result.passed == {"a", "b", "e"}
    assert (
        result.findings["c"][0].code == "sandbox-unfinished"
        and "not a failure" in result.findings["c"][0].message
    )
    assert "batch 2 of 3" in report.items["c"].reasons[0]
    assert [(e["batch"], e["batches"], e["items"]) for e in events] == [(1, 3, 2), (2, 3, 2), (3, 3, 1)]
    assert [bool(e["error"]) for e in events] == [False, True, False]
    assert not list(tmp_path.glob("*.json"))  # every report read is deleted (it may hold the token)


@pytest.mark.sandbox
def test_a_hanging_batch_is_unfinished_while_the_others_pass_and_no_script_is_reported(
    sandbox_dir: Path, demo_spec: SpecDocument
) -> None:
    marker = "pw-script-marker-" + "x" * 8
    coll = collection(
        item("pw-ok-1", "{{baseUrl}}/pets/42", PASS, auth=True),
        item(
            "pw-hang", "{{baseUrl}}/pets/42", "pm.test('never ends', () => { while (true) {} });", auth=True
        ),
        item(
            "pw-wrong",
            "{{baseUrl}}/pets/42",
            f"// {marker}",
            "pm.test('is 404', () => pm.response.to.have.status(404));",
            auth=True,
        ),
    )
    events: list[dict[str, Any]] = []
    runner = NewmanRunner(sandbox_dir, timeout=6, batch_size=1, progress=events.append)
    report = runner.run(coll, demo_spec, runs=1)
    status = {i: o.status for i, o in report.items.items()}
    assert status == {"pw-ok-1": "passed", "pw-hang": "unfinished", "pw-wrong": "failed"}
    assert [e["batch"] for e in events] == [1, 2, 3] and events[1]["timed_out"]
    assert marker not in json.dumps(report.to_dict())  # failure records carry messages, not scripts
    assert "is 404" in report.items["pw-wrong"].reasons[0]
