"""NewmanRunner end to end: a Prism mock of the demo spec, and a loopback target that flips."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from agent.models import SpecDocument
from agent.runner import NewmanRunner
from agent.runner.isolation import netns_available
from tests.runner.runner_helpers import collection, item

pytestmark = pytest.mark.sandbox


def test_mock_run_keeps_only_items_that_passed(sandbox_dir: Path, demo_spec: SpecDocument) -> None:
    coll = collection(
        item(
            "pw-get-pet",
            "{{baseUrl}}/pets/42",
            "pm.test('status is 200', () => pm.response.to.have.status(200));",
            "pm.test('has an id', () => pm.expect(pm.response.json()).to.have.property('id'));",
            auth=True,
        ),
        item(
            "pw-wrong",
            "{{baseUrl}}/pets/42",
            "pm.test('status is 404', () => pm.response.to.have.status(404));",
            auth=True,
        ),
        {
            "name": "a folder",
            "item": [
                item(
                    "pw-nested",
                    "{{baseUrl}}/pets/42/vaccinations",
                    "pm.test('an array', () => pm.expect(pm.response.json()).to.be.an('array'));",
                    auth=True,
                ),
            ],
        },
    )
    runner = NewmanRunner(sandbox_dir, timeout=60)
    result = runner.verify(coll, demo_spec, runs=2)

    assert result.passed == {"pw-get-pet", "pw-nested"}
    messages = [f.message for f in result.findings["pw-wrong"]]
    assert messages[0] == "failed in the sandbox: failed 2 of 2 runs"
    assert any("status is 404" in m and "expected response to have status code 404" in m for m in messages)
    report = runner.last_report
    assert report is not None
    assert report.mock_seconds is not None and len(report.runs) == 2
    assert all(r.run_seconds is not None and r.exit_code == 1 for r in report.runs)
    assert len(report.items["pw-get-pet"].request_seconds) == 2


def test_target_that_alternates_is_flaky(sandbox_dir: Path, serve) -> None:
    flips = itertools.cycle([200, 500])
    server = serve(
        {
            "/ok": lambda h: (200, {"ok": True}),
            "/flip": lambda h: (next(flips), {"ok": True}),
            "/broken": lambda h: (503, {"ok": False}),
        }
    )
    coll = collection(
        item("pw-ok", "{{baseUrl}}/ok", "pm.test('200', () => pm.response.to.have.status(200));"),
        item("pw-flip", "{{baseUrl}}/flip", "pm.test('200', () => pm.response.to.have.status(200));"),
        item("pw-broken", "{{baseUrl}}/broken", "pm.test('200', () => pm.response.to.have.status(200));"),
        item("pw-silent", "{{baseUrl}}/ok", "// asserts nothing"),
    )
    runner = NewmanRunner(sandbox_dir, timeout=60, target=server.url)
    report = runner.run(coll, None, runs=3)

    status = {i: o.status for i, o in report.items.items()}
    assert status == {"pw-ok": "passed", "pw-flip": "flaky", "pw-broken": "failed", "pw-silent": "failed"}
    assert (report.items["pw-flip"].runs_passed, report.items["pw-flip"].runs_failed) == (2, 1)
    assert report.items["pw-silent"].reasons == ["no pm.test assertion ran"]
    assert server.calls["/flip"] == 3
    # Where namespaces exist, the target is reached through the relay; else the report says so.
    if netns_available():
        assert report.isolation == "netns" and not report.notices
        assert report.relay_connections is not None and report.relay_connections >= 3
    else:
        assert report.isolation == "none"
        assert [n.code for n in report.notices] == ["sandbox-isolation"]
    result = report.result()
    assert result.passed == {"pw-ok"}
    assert result.findings["pw-flip"][0].code == "sandbox-flaky"


def test_a_failing_request_is_reported(sandbox_dir: Path, serve) -> None:
    server = serve({})
    url = server.url
    server.close()  # nothing listens there any more
    coll = collection(
        item("pw-down", "{{baseUrl}}/ok", "pm.test('200', () => pm.response.to.have.status(200));")
    )
    report = NewmanRunner(sandbox_dir, timeout=30, target=url).run(coll, None, runs=1)
    assert report.items["pw-down"].status == "failed"
    if report.isolation == "netns":
        # Through the relay newman sees the connection reset; the relay's notice says why.
        assert any("ECONNRESET" in r or "socket hang up" in r for r in report.items["pw-down"].reasons)
        notice = next(n for n in report.notices if n.code == "sandbox-target-unreachable")
        assert "ConnectionRefusedError" in notice.message
    else:
        assert any("ECONNREFUSED" in r for r in report.items["pw-down"].reasons)
