"""Against a real, stateful server: the order of the kept tests changes no result, and a logout
that revokes the session never runs unless listed in ``[target] allow_operations``."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.events import StageFinished
from agent.models import PublishResult
from agent.pipeline import Job, Pipeline
from agent.plan.safety import NOT_RUN_CODE
from agent.ports import ChangeSet
from agent.runner.credentials import provider_from
from agent.runner.newman import NewmanRunner
from agent.runner.report import VerifyReport
from agent.runner.selection import Policy
from agent.store import open_store
from tests.pipeline.two_versions import Specs
from tests.runner.notes_api import SPEC, NotesServer, kept_collection

TOKEN_ENV = "PW_NOTES_TOKEN"
ALL = frozenset({"read", "write", "create", "destructive"})
SAFE = frozenset({"read", "write", "create"})


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[NotesServer]:
    token = secrets.token_urlsafe(12)  # made at run time: no credential-shaped literal in the repo
    monkeypatch.setenv(TOKEN_ENV, token)
    notes = NotesServer(token)
    yield notes
    notes.close()


def verify(
    sandbox_dir: Path, server: NotesServer, collection: dict[str, Any], policy: Policy, shuffle: int | None
) -> VerifyReport:
    runner = NewmanRunner(
        sandbox_dir,
        timeout=60,
        target=server.url,
        credentials=provider_from(token_env=TOKEN_ENV),
        policy=policy,
        shuffle=shuffle,
    )
    return runner.run(collection, SPEC, 1)


def statuses(report: VerifyReport) -> dict[str, str]:
    return {item_id: outcome.status for item_id, outcome in report.items.items()}


def test_the_kept_tests_give_the_same_results_in_any_order(sandbox_dir: Path, server: NotesServer) -> None:
    collection = kept_collection(server.url)
    safe = Policy(allow=SAFE)
    unshuffled = verify(sandbox_dir, server, collection, safe, None)
    first = statuses(unshuffled)
    assert "passed" in first.values()
    for seed in (1, 2, 3):
        assert statuses(verify(sandbox_dir, server, collection, safe, seed)) == first, seed
    assert server.calls.get("POST /logout", 0) == 0 and server.calls.get("DELETE /notes", 0) == 0
    skipped = {i for i, s in first.items() if s == "skipped"}
    assert {unshuffled.items[i].name.split(" [")[0] for i in skipped} == {"POST /logout", "DELETE /notes"}

    # The same shuffles with the logout allowed: the results now depend on the order, which is
    # what the shuffle is there to catch.
    poisoned = Policy(allow=ALL, allow_operations=("logout",))
    seen = []
    for seed in (1, 2, 3):
        server.reset()
        seen.append(statuses(verify(sandbox_dir, server, collection, poisoned, seed)))
    assert server.calls.get("POST /logout", 0) >= 1
    assert len({json.dumps(result, sort_keys=True) for result in seen}) > 1


@pytest.mark.parametrize(
    ("policy", "logout_runs"),
    [
        (Policy(), False),
        (Policy(allow=ALL), False),  # allowing the class is not enough
        (Policy(allow=ALL, allow_operations=("clearNotes",)), False),  # another operation listed
        (Policy(allow=frozenset({"read"}), allow_operations=("logout",)), True),
        (Policy(allow=frozenset({"read"}), allow_operations=("POST /logout",)), True),
    ],
    ids=["default", "all-classes", "other-listed", "by-operation-id", "by-method-path"],
)
def test_a_destructive_logout_runs_against_a_target_only_when_listed(
    sandbox_dir: Path, server: NotesServer, policy: Policy, logout_runs: bool
) -> None:
    collection = kept_collection(server.url)
    report = verify(sandbox_dir, server, collection, policy, None)
    logout = [o for o in report.items.values() if o.name.startswith("POST /logout ")]
    assert logout
    assert server.calls.get("POST /logout", 0) == (len(logout) if logout_runs else 0)
    for outcome in logout:
        if logout_runs:
            assert outcome.status != "skipped"
        else:
            assert outcome.status == "skipped"
            assert any("allow_operations" in r for r in outcome.reasons)
    result = report.result()
    assert not {o.id for o in logout} & result.passed if not logout_runs else True


def test_against_a_mock_everything_runs(sandbox_dir: Path) -> None:
    collection = kept_collection("http://127.0.0.1:1")
    report = NewmanRunner(sandbox_dir, timeout=60, policy=Policy()).run(collection, SPEC, 1)
    assert "skipped" not in statuses(report).values()
    assert any(o.name.startswith("POST /logout ") for o in report.items.values())


class _Capture:
    """A Publisher that keeps the change set."""

    def __init__(self) -> None:
        self.sets: list[ChangeSet] = []

    def publish(self, change_set: ChangeSet) -> PublishResult:
        self.sets.append(change_set)
        return PublishResult(branch="postwright/x", commit=None)


def test_run_keeps_a_test_it_did_not_run_against_the_target_and_says_so(
    sandbox_dir: Path, server: NotesServer, tmp_path: Path
) -> None:
    capture = _Capture()
    runner = NewmanRunner(
        sandbox_dir, timeout=60, target=server.url, credentials=provider_from(token_env=TOKEN_ENV)
    )
    specs = Specs({"notes": SPEC.document})
    pipeline = Pipeline(specs=specs, store=open_store(tmp_path / "state"), runner=runner, publisher=capture)
    with pipeline:
        events = list(pipeline.run(Job(revision="notes", base_url=server.url, runs=1)))
    assert server.calls.get("POST /logout", 0) == 0 and server.calls.get("DELETE /notes", 0) == 0
    verified = next(e for e in events if isinstance(e, StageFinished) and e.stage == "verify")
    assert "kept but not run against the target (safety class)" in verified.summary
    kept = capture.sets[0].proposals
    not_run = {p.intent.operation for p in kept if any(f.code == NOT_RUN_CODE for f in p.findings)}
    assert not_run == {"POST /logout", "DELETE /notes", "POST /notes", "PUT /settings"}  # only reads ran
    body = capture.sets[0].body
    assert "safety: `destructive` (not run against the target)" in body
    assert "safety: `read` ·" in body or "safety: `read`\n" in body
