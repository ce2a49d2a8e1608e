"""Old versus new for real: two versions of a loopback API, real newman, real Prism.

The new server refuses GET /gadgets (its spec says 200) with a body that echoes a credential:
a drift finding, with the credential redacted everywhere. Tests of added operations fail on the
old server (and on a Prism mock of the old spec); the test of a changed operation that both
versions serve passes on both, so it catches nothing, and the PR body says so.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.events import Event, Notice, RunFinished
from agent.models import Proposal
from agent.pipeline import Job, Pipeline
from agent.runner.newman import NewmanRunner
from agent.store import open_store
from tests.pipeline.test_verify_filter import Capture
from tests.pipeline.two_versions import Server, Specs, new_spec, old_spec


def _canary() -> str:
    return "gh" + "p_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))


@pytest.fixture
def canary() -> str:
    return _canary()


@pytest.fixture
def servers(canary: str) -> Iterator[tuple[Server, Server]]:
    old, new = Server(1, canary), Server(2, canary)
    yield old, new
    old.close()
    new.close()


def _run(tmp_path: Path, runner: NewmanRunner, base: NewmanRunner) -> tuple[list[Event], list[Proposal], str]:
    capture = Capture()
    store = open_store(tmp_path / "state")
    specs = Specs({"old": old_spec(), "new": new_spec()})
    with Pipeline(specs=specs, store=store, runner=runner, base_runner=base, publisher=capture) as pipeline:
        events = list(pipeline.run(Job(revision="new", base="old", base_url="http://127.0.0.1:9", runs=2)))
        stored = [p.to_proposal() for p in store.proposals()]
    return events, stored, capture.sets[0].body


def _by_path(stored: list[Proposal], path: str) -> list[Proposal]:
    return [p for p in stored if p.intent.path == path]


def test_drift_and_old_versus_new_against_two_real_servers(
    tmp_path: Path, sandbox_dir: Path, servers: tuple[Server, Server], canary: str
) -> None:
    old, new = servers
    events, stored, body = _run(
        tmp_path, NewmanRunner(sandbox_dir, target=new.url), NewmanRunner(sandbox_dir, target=old.url)
    )
    # drift: the deployment refuses what the spec declares, reported with a redacted excerpt
    gadgets = _by_path(stored, "/gadgets")
    assert gadgets and all(p.status == "dropped" and p.drift is not None for p in gadgets)
    drift = gadgets[0].drift
    assert drift is not None and (drift.status, drift.declared) == (422, "200")
    assert "gadgets are disabled here" in drift.excerpt and "[REDACTED:" in drift.excerpt
    assert "### Drift: the server disagrees with the spec" in body and "422 where `200` is declared" in body
    # added operation: every test of it passes on the new server and fails on the old one
    widgets = _by_path(stored, "/widgets")
    assert {p.intent.kind.value for p in widgets} >= {"happy-path", "missing-required"}
    assert all(p.status == "published" and p.catches_old is True for p in widgets)
    negative = next(p for p in widgets if p.intent.kind.value == "missing-required")
    assert negative.intent.expected_status == "400"  # pinned to what the spec declares, not "any 4XX"
    # a changed operation both versions serve the same way: its test tells them apart in nothing
    things = _by_path(stored, "/things")
    assert things and all(p.catches_old is False for p in things)
    assert "`GET /things`: " in body and "no test catches the old API" in body
    assert body.count("catches the old API: yes") == len(widgets)
    summary = next(e for e in events if isinstance(e, RunFinished)).summary
    assert summary.drift == len(gadgets) and summary.catches_old == len(widgets)
    # the planted credential reached no artifact: not the DB, the PR body or a notice
    notices = " ".join(e.finding.message for e in events if isinstance(e, Notice))
    database = b"".join(p.read_bytes() for p in (tmp_path / "state").rglob("*") if p.is_file())
    assert canary not in body and canary not in notices and canary.encode() not in database
    assert canary not in json.dumps([p.model_dump(mode="json") for p in stored])


def test_a_prism_mock_of_the_base_spec_is_the_old_api_by_default(
    tmp_path: Path, sandbox_dir: Path, servers: tuple[Server, Server]
) -> None:
    _old, new = servers
    _events, stored, body = _run(
        tmp_path, NewmanRunner(sandbox_dir, target=new.url), NewmanRunner(sandbox_dir)
    )
    widgets = _by_path(stored, "/widgets")
    assert widgets and all(p.catches_old is True for p in widgets)  # Prism has no such route: 404
    assert all(p.catches_old is False for p in _by_path(stored, "/things"))
    assert "catches the old API: yes" in body
