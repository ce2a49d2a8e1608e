"""verify's JSON report → the XCom summary (counts and names only) and one logged line per failed call,
in a shape postwright's own log signals read back as a failed call of the right operation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.models import Provenance, SpecDocument
from agent.sources.signals import extract_signals
from agent.testing.sealed import evidence
from tests.airflow_provider.kit import spec
from tests.airflow_provider.provider_modules import load

summary = load("summary")
BASE = "http://127.0.0.1:8000"


def _collection() -> dict[str, Any]:
    item = {
        "id": "pw-1",
        "name": "GET /pets/{petId} [regression]",
        "request": {"method": "GET", "url": {"raw": "{{baseUrl}}/pets/{{petId}}?verbose={{v}}"}},
        "variable": [{"key": "petId", "value": "7"}],
    }
    listed = {"id": "pw-2", "name": "GET /pets", "request": {"method": "get", "url": "{{baseUrl}}/pets"}}
    team = {
        "id": "team",
        "name": "delete",
        "request": {"method": "DELETE", "url": {"host": ["{{baseUrl}}"], "path": ["pets", "{{petId}}"]}},
    }
    return {
        "item": [{"name": "pets", "item": [item, listed]}, team],
        "variable": [{"key": "petId", "value": "1"}],
    }


def _report(*items: tuple[str, str, int | None]) -> dict[str, Any]:
    return {
        "items": [
            {
                "id": item_id,
                "name": f"test {item_id}",
                "status": status,
                "reasons": ["expected 200 but got 500, body had a value"],
                "response": {"status": code, "excerpt": '{"error": "x"}'} if code else None,
            }
            for item_id, status, code in items
        ]
    }


def test_each_failed_call_is_a_line_the_log_signals_read_back() -> None:
    report = _report(
        ("pw-1", "failed", 500), ("pw-2", "flaky", 503), ("team", "failed", 404), ("x", "passed", None)
    )
    lines = list(summary.failed_calls(report, _collection(), BASE + "/"))
    assert lines == [
        f'HTTP Request: GET {BASE}/pets/7 "HTTP/1.1 500 Internal Server Error"',  # item variable wins
        f'HTTP Request: GET {BASE}/pets "HTTP/1.1 503 Service Unavailable"',
        f'HTTP Request: DELETE {BASE}/pets/1 "HTTP/1.1 404 Not Found"',  # collection variable
    ]
    # As Airflow stores them: one JSON record per line, the line in "event".
    log = "".join(json.dumps({"event": line, "level": "error", "logger": "task"}) + "\n" for line in lines)
    doc = SpecDocument(ref="pets.yaml", version="3.0.3", document=spec("pet", new=True))
    found = extract_signals(evidence(log), doc, provenance=Provenance())
    got = [(s.method, s.operation, s.status) for s in found]
    assert got == [("GET", "GET /pets/{petId}", 500), ("GET", "GET /pets", 503), ("DELETE", None, 404)]


@pytest.mark.parametrize(
    ("item", "why"),
    [
        (("pw-1", "failed", None), "no response: nothing was answered"),
        (("gone", "failed", 500), "not in the collection"),
        (("pw-1", "skipped", None), "not failed"),
    ],
)
def test_no_line_without_a_failed_answered_request(item: tuple[str, str, int | None], why: str) -> None:
    assert list(summary.failed_calls(_report(item), _collection(), BASE)) == [], why


def test_the_summary_has_counts_and_names_never_reasons_or_bodies() -> None:
    report = _report(
        ("pw-1", "failed", 500), ("pw-2", "flaky", 503), ("a", "passed", None), ("b", "skipped", None)
    )
    got = summary.summarize(report, api="pets", run_id="scheduled__2026-12-04T02:00:00+00:00")
    assert got == {
        "api": "pets",
        "run_id": "scheduled__2026-12-04T02:00:00+00:00",
        "tests": 4,
        "passed": 1,
        "failed": 2,
        "skipped": 1,
        "unfinished": 0,
        "failing": ["test pw-1", "test pw-2"],
    }
    assert "error" not in json.dumps(got) and "body" not in json.dumps(got)
    line = summary.reason(got, BASE)
    assert line == f"2 of 4 tests failed against {BASE}: test pw-1, test pw-2"
    many = {**got, "failing": [f"t{i}" for i in range(30)], "failed": 30}
    assert summary.reason(many, BASE).endswith("t0, t1, t2 …")


def test_the_run_counts_come_from_runs_summary_line() -> None:
    out = "changes 2  failures 1  proposals 4  kept 4  dropped 0  redacted 0\nbranch postwright/x\n"
    assert summary.run_counts(out) == {
        "changes": 2,
        "failures": 1,
        "proposals": 4,
        "kept": 4,
        "dropped": 0,
        "redacted": 0,
    }
