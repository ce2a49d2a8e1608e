"""Drift findings and "catches the old API" are stored with a proposal, and older databases migrate."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agent.models import Drift
from agent.store import SQLiteStore
from tests.store.conftest import Backend
from tests.store.store_factories import make_proposal

MIGRATION = "m004_old_and_new"


@pytest.mark.parametrize("catches", [True, False, None])
def test_catches_old_round_trips_and_is_refreshed(backend: Backend, catches: bool | None) -> None:
    proposal = make_proposal(1).model_copy(update={"catches_old": catches})
    with backend.open() as store:
        run_id = store.start_run("run", {})
        store.add_proposals(run_id, [proposal])
        (stored,) = store.proposals()
        assert stored.catches_old is catches and stored.to_proposal() == proposal
        # the next run measured it again: the stored answer follows
        store.add_proposals(run_id, [proposal.model_copy(update={"catches_old": not catches})])
        assert store.proposals()[0].catches_old is (not catches)


def test_drift_round_trips_on_a_dropped_proposal(backend: Backend) -> None:
    drift = Drift(declared="200", status=422, excerpt='{"detail":"[REDACTED:github-pat:1] refused"}')
    dropped = make_proposal(2, status="dropped").model_copy(update={"drift": drift})
    with backend.open() as store:
        run_id = store.start_run("run", {})
        store.add_proposals(run_id, [dropped, make_proposal(3)])
        by_id = {p.id: p for p in store.proposals()}
        assert by_id[dropped.id].drift == drift and by_id[dropped.id].to_proposal() == dropped
        assert by_id[make_proposal(3).id].drift is None
        assert drift.message == "the server disagrees with the spec: 422 where 200 is declared"


def test_a_database_from_before_the_columns_migrates_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = SQLiteStore(path)
    run_id = store.start_run("run", {})
    store.add_proposals(run_id, [make_proposal(1)])
    store.close()
    db = sqlite3.connect(path, isolation_level=None)  # back to the schema of the previous release
    db.execute("ALTER TABLE proposals DROP COLUMN drift")
    db.execute("ALTER TABLE proposals DROP COLUMN catches_old")
    db.execute("DELETE FROM _migrations WHERE name = ?", (MIGRATION,))
    db.close()
    again = SQLiteStore(path)
    assert MIGRATION in again.migrations_run
    (old,) = again.proposals()
    assert old.drift is None and old.catches_old is None and old.name == "pet 1"
    again.close()
