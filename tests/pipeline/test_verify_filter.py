"""Verify is the filter: drift findings from a real target, and old-versus-new verdicts (fake runners)."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.events import Notice, RunFinished
from agent.models import Finding, Proposal, PublishResult, Response, RunSummary
from agent.pipeline import Job, Pipeline
from agent.ports import ChangeSet, VerifyResult
from agent.store import open_store
from tests.pipeline.two_versions import Specs, new_spec, old_spec

# item → (passes, status, body excerpt as the runner hands it over)
Decide = Callable[[dict[str, Any]], tuple[bool, int | None, str]]


def _canary() -> str:
    return "gh" + "p_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))


def _leaves(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for child in node.get("item") or []:
        yield from _leaves(child) if "item" in child else [child]


def _url(item: dict[str, Any]) -> str:
    url = item["request"]["url"]
    return url if isinstance(url, str) else str(url.get("raw", ""))


class FakeRunner:
    """A Runner whose verdict per item comes from ``decide``; remembers what it was given."""

    def __init__(self, decide: Decide, *, real_target: bool, flaky: bool = False) -> None:
        self.decide, self.real_target, self.flaky = decide, real_target, flaky
        self.seen: list[str] = []

    def verify(self, collection: dict[str, Any], spec: Any, runs: int) -> VerifyResult:
        passed, findings, responses = set(), {}, {}
        for item in _leaves(collection):
            self.seen.append(item["id"])
            ok, status, excerpt = self.decide(item)
            if ok:
                passed.add(item["id"])
                continue
            code = "sandbox-flaky" if self.flaky else "sandbox-failed"
            findings[item["id"]] = [Finding(severity="error", code=code, message=f"{code} in {runs} runs")]
            if status is not None:
                responses[item["id"]] = Response(status=status, excerpt=excerpt)
        return VerifyResult(frozenset(passed), findings, responses=responses, real_target=self.real_target)


class Capture:
    """A Publisher that keeps the change set."""

    def __init__(self) -> None:
        self.sets: list[ChangeSet] = []

    def publish(self, change_set: ChangeSet) -> PublishResult:
        self.sets.append(change_set)
        return PublishResult(branch="postwright/x", commit=None)


def _widgets_refused(canary: str) -> Decide:
    """The new server: GET /widgets with its inputs answers 422 (its own rules), the rest pass."""

    def decide(item: dict[str, Any]) -> tuple[bool, int | None, str]:
        if "/widgets" in _url(item) and item["request"]["method"] == "GET" and "kind=" in _url(item):
            return False, 422, json.dumps({"detail": "kind not enabled", "token": canary})
        return True, 200, ""

    return decide


def _old_api(item: dict[str, Any]) -> tuple[bool, int | None, str]:
    """The old server: /widgets and /gadgets do not exist (404), everything else passes."""
    return _url(item).removeprefix("{{baseUrl}}").split("?")[0] == "/things", 404, "{}"


def _run(
    tmp_path: Path,
    runner: FakeRunner | None,
    base_runner: FakeRunner | None = None,
    new: dict[str, Any] | None = None,
) -> tuple[RunSummary, list[Notice], Capture, list[Proposal]]:
    capture = Capture()
    specs = Specs({"old": old_spec(), "new": new or new_spec()})
    store = open_store(tmp_path / "state")
    pipeline = Pipeline(specs=specs, store=store, runner=runner, base_runner=base_runner, publisher=capture)
    with pipeline:
        events = list(pipeline.run(Job(revision="new", base="old", base_url="http://127.0.0.1:9")))
        stored = [p.to_proposal() for p in store.proposals()]
    finished = events[-1]
    assert isinstance(finished, RunFinished)
    return finished.summary, [e for e in events if isinstance(e, Notice)], capture, stored


@pytest.mark.parametrize("status", [422, 400, 409, 500, 503])
def test_a_target_refusing_a_declared_success_is_a_drift_finding_never_silent(
    tmp_path: Path, status: int
) -> None:
    canary = _canary()

    def decide(item: dict[str, Any]) -> tuple[bool, int | None, str]:
        ok, code, body = _widgets_refused(canary)(item)
        return ok, (status if not ok else code), body

    summary, notices, capture, stored = _run(tmp_path, FakeRunner(decide, real_target=True))
    drifted = [p for p in stored if p.drift is not None]
    assert drifted and summary.drift == len(drifted)
    for proposal in drifted:
        assert proposal.status == "dropped" and proposal.drift is not None
        assert proposal.drift.status == status and proposal.drift.declared == "200"
        assert proposal.findings[-2].code == "drift"  # before the runner's own reasons
    lines = [n.finding.message for n in notices if n.finding.code == "drift"]
    assert len(lines) == len(drifted) and all(": drift: " in line for line in lines)
    # one notice per drifted test, not a second "dropped" one saying the same
    assert not [
        n
        for n in notices
        if n.finding.code == "dropped" and n.finding.message.split()[0] in {p.id for p in drifted}
    ]
    assert f"the server disagrees with the spec: {status} where 200 is declared" in lines[0]
    assert "kind not enabled" in lines[0] and "GET /widgets" in lines[0]
    body = capture.sets[0].body
    assert "### Drift: the server disagrees with the spec" in body
    # the excerpt passed the run's redactor before it was stored, shown or published
    everything = json.dumps([p.model_dump(mode="json") for p in stored]) + " ".join(lines) + body
    assert canary not in everything and "[REDACTED:" in everything


def test_no_drift_against_a_mock_or_for_an_expected_failure(tmp_path: Path) -> None:
    summary, notices, _, stored = _run(
        tmp_path / "mock", FakeRunner(_widgets_refused("x"), real_target=False)
    )
    assert summary.drift == 0 and not any(p.drift for p in stored)
    assert not [n for n in notices if n.finding.code == "drift"]

    def negatives_refused(item: dict[str, Any]) -> tuple[bool, int | None, str]:
        negative = "kind=" not in _url(item) and "/widgets" in _url(item)
        return (not negative), 404, '{"error":"nope"}'  # a 4XX test answered 404: no spec success

    summary, _, _, stored = _run(tmp_path / "neg", FakeRunner(negatives_refused, real_target=True))
    assert summary.dropped >= 1 and summary.drift == 0


def test_each_change_test_records_whether_it_catches_the_old_api(tmp_path: Path) -> None:
    new = new_spec()  # /things gains an optional query parameter: its test passes on the old API too
    base = FakeRunner(_old_api, real_target=False)
    summary, _, capture, stored = _run(
        tmp_path, FakeRunner(lambda i: (True, 200, ""), real_target=True), base, new
    )
    by_path = {p.id: p for p in stored}
    widgets = [p for p in by_path.values() if p.intent.path in ("/widgets", "/gadgets")]
    things = [p for p in by_path.values() if p.intent.path == "/things"]
    assert widgets and things
    assert all(p.catches_old is True for p in widgets)
    assert all(p.catches_old is False for p in things)
    assert summary.catches_old == len(widgets)
    assert set(base.seen) == {p.id for p in stored}  # every change test ran on the old API
    body = capture.sets[0].body
    assert body.count("catches the old API: yes") == len(widgets)
    assert body.count("catches the old API: no") == len(things)
    assert "no test catches the old API" in next(
        line for line in body.splitlines() if "`GET /things`:" in line
    )


def test_no_verdict_on_the_old_api_claims_nothing(tmp_path: Path) -> None:
    flaky = FakeRunner(_old_api, real_target=False, flaky=True)
    summary, _, capture, stored = _run(
        tmp_path, FakeRunner(lambda i: (True, 200, ""), real_target=False), flaky
    )
    assert all(p.catches_old is None for p in stored if p.intent.path != "/things")
    assert "catches the old API: yes" not in capture.sets[0].body
    assert summary.catches_old == 0  # /things passes there: decided, and it catches nothing


def test_without_a_base_nothing_runs_against_an_old_api(tmp_path: Path) -> None:
    base = FakeRunner(_old_api, real_target=False)
    store = open_store(tmp_path / "state")
    pipeline = Pipeline(
        specs=Specs({"new": new_spec()}),
        store=store,
        runner=FakeRunner(lambda i: (True, 200, ""), real_target=False),
        base_runner=base,
    )
    with pipeline:
        events = list(pipeline.run(Job(revision="new")))
    assert not base.seen
    finished = events[-1]
    assert isinstance(finished, RunFinished) and finished.summary.catches_old is None


def test_a_refusal_in_only_some_runs_is_flaky_not_drift(tmp_path: Path) -> None:
    runner = FakeRunner(_widgets_refused("x"), real_target=True, flaky=True)
    summary, notices, _, stored = _run(tmp_path, runner)
    assert summary.drift == 0 and not any(p.drift for p in stored)
    assert any(p.status == "dropped" for p in stored)  # dropped all the same: not every run passed


def test_only_tests_proven_on_the_new_api_run_on_the_old(tmp_path: Path) -> None:
    base = FakeRunner(_old_api, real_target=False)
    summary, _, capture, stored = _run(tmp_path / "unverified", None, base)
    assert not base.seen and summary.catches_old is None  # nothing ran on the new API
    assert all(p.catches_old is None for p in stored)
    # a test refused on the new API is dropped there and never compared
    base = FakeRunner(_old_api, real_target=False)
    _, _, _, stored = _run(tmp_path / "refused", FakeRunner(_widgets_refused("x"), real_target=True), base)
    refused = {p.id for p in stored if p.status == "dropped"}
    assert refused and not refused & set(base.seen)
