"""Folding newman JSON reports into per-item outcomes (no Node needed)."""

from __future__ import annotations

from typing import Any

from agent.runner.report import ItemOutcome, VerifyReport, apply_run, leaf_items, unfinish_all


def _execution(item_id: str, exec_id: str, assertions: int, ms: int = 12) -> dict[str, Any]:
    return {
        "id": exec_id,
        "item": {"id": item_id},
        "response": {"responseTime": ms},
        "assertions": [{"assertion": f"t{i}"} for i in range(assertions)],
    }


def _failure(item_id: str, test: str, message: str) -> dict[str, Any]:
    return {
        "source": {"id": item_id},
        "at": "assertion:0 in test-script",
        "error": {"name": "AssertionError", "test": test, "message": message},
    }


def test_leaf_items_walk_folders_and_skip_items_without_ids() -> None:
    coll = {
        "item": [
            {"id": "a", "name": "A", "request": {}},
            {"name": "folder", "item": [{"id": "b", "request": {}}, {"name": "no id", "request": {}}]},
        ]
    }
    assert list(leaf_items(coll)) == [("a", "A"), ("b", "b")]


def test_runs_fold_into_passed_failed_flaky() -> None:
    items = {i: ItemOutcome(i, i) for i in ("ok", "bad", "flip", "quiet", "absent")}
    first = {
        "run": {
            "executions": [
                _execution("ok", "1", 1),
                _execution("ok", "1", 1),
                _execution("bad", "2", 1),
                _execution("flip", "3", 1),
                _execution("quiet", "4", 0),
                _execution("stranger", "5", 1),
            ],
            "failures": [
                _failure("bad", "is 200", "expected 500 to be 200 " + "x" * 400),
                _failure("random-uuid", "sendRequest", "ENETUNREACH"),
            ],
            "timings": {"started": 1000, "completed": 1250},
        }
    }
    assert apply_run(first, items, lambda s: s) == 0.25
    second = {
        "run": {
            "executions": [_execution("ok", "1", 1), _execution("flip", "3", 1)],
            "failures": [_failure("flip", "is 200", "expected 503 to be 200")],
        }
    }
    assert apply_run(second, items, lambda s: s) is None
    unfinish_all(items, "run 3 timed out")  # no verdict for that run: not a failure
    report = VerifyReport(items=items)
    assert {i: o.status for i, o in items.items()} == {
        "ok": "unfinished",
        "bad": "failed",
        "flip": "flaky",
        "quiet": "failed",
        "absent": "failed",
    }
    assert items["ok"].request_seconds == [0.012, 0.012]  # the duplicate execution counted once
    assert len(items["bad"].reasons[0]) == 200 and items["bad"].reasons[0].startswith("is 200: expected 500")
    assert items["quiet"].reasons[0] == "no pm.test assertion ran"
    result = report.result()
    assert result.passed == frozenset()
    assert [f.code for f in result.findings["flip"]] == [
        "sandbox-flaky",
        "sandbox-failure",
        "sandbox-failure",
    ]
    assert report.to_dict()["items"][0]["runs_passed"] == 2
