"""The store reads review and the pipeline rule use, on both backends (SQLite and PostgreSQL):
ids in order with filters, one proposal by id, which ids have a status, each latest decision."""

from __future__ import annotations

import pytest

from agent.store import SQLiteStore
from tests.store.conftest import Backend, backend
from tests.store.store_factories import make_proposal

__all__ = ["backend"]


def _filled(store: SQLiteStore) -> tuple[str, list[str]]:
    run = store.start_run("run", {})
    proposals = [make_proposal(n) for n in range(1200)]  # past SQLite's 999 bound parameters
    store.store_results(run, proposals)
    store.finish_run(run, "ok", {})
    return run, [p.id for p in proposals]


def test_ids_proposal_with_status_and_latest_decisions(backend: Backend) -> None:
    with backend.open() as store:
        run, ids = _filled(store)
        assert store.proposal_ids() == sorted(ids)  # one insert time: ordered by id
        assert store.proposal_ids("pending", run, "GET /pets/7") == [make_proposal(7).id]
        assert store.proposal_ids("accepted") == []
        assert store.proposal_ids(run_id="nope") == []
        one = store.proposal(ids[5])
        assert one is not None and one.id == ids[5] and one.operation == "GET /pets/5"
        assert store.proposal("pw-missing") is None

        store.set_status(ids[0], "rejected", actor="ada", reason="wrong")
        store.set_status(ids[1100], "rejected", actor="ada", reason="also wrong")
        store.set_status(ids[1100], "pending", actor="bob", reason="reopened")
        store.set_status(ids[2], "accepted", actor="bob", reason="ok")
        assert store.with_status("rejected", ids) == {ids[0]}
        assert store.with_status("accepted", ids[:2]) == set()
        assert store.with_status("rejected", []) == set()

        latest = store.latest_decisions()
        assert (latest[ids[1100]].actor, latest[ids[1100]].status) == ("bob", "pending")
        assert (latest[ids[0]].reason, latest[ids[2]].status) == ("wrong", "accepted")
        assert latest[ids[3]].actor == "postwright"  # proposed
        assert len(latest) == len(ids)


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_filters_by_status(backend: Backend, status: str) -> None:
    with backend.open() as store:
        _, ids = _filled(store)
        store.set_status(ids[9], "rejected", actor="ada", reason="x")
        expected = [i for i in sorted(ids) if (i == ids[9]) == (status == "rejected")]
        assert store.proposal_ids(status) == expected
