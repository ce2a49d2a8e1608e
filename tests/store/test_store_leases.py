"""Leases tell live runs from dead ones; a run's results are stored all together or not at all."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from agent.store import SQLiteStore
from tests.store.store_factories import make_proposal

DIE_RUNNING = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from agent.store import SQLiteStore

    store = SQLiteStore(Path(sys.argv[1]))
    print(store.start_run("run", {}), flush=True)
    os._exit(int(sys.argv[2]))  # no finish_run, no cleanup: as a kill leaves it
    """
)


def _die_running(db: Path, code: int = 0) -> str:
    out = subprocess.run(
        [sys.executable, "-c", DIE_RUNNING, str(db), str(code)], capture_output=True, text=True, check=False
    )
    return out.stdout.strip()


@pytest.mark.parametrize("code", [0, 1, 137])
def test_a_run_whose_process_is_gone_is_interrupted(tmp_path: Path, code: int) -> None:
    db = tmp_path / "state.db"
    dead = _die_running(db, code)
    with SQLiteStore(db) as store:
        (run,) = store.recover()
        assert (run.id, run.status, run.stage) == (dead, "interrupted", "start")
        assert run.pid is not None and run.host
        assert store.recover() == []  # once
        assert not (tmp_path / "leases" / f"{dead}.lock").exists()


def test_live_runs_in_this_process_are_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    with SQLiteStore(db) as one, SQLiteStore(db) as other:
        mine = one.start_run("run", {})
        theirs = other.start_run("run", {})
        assert one.recover() == [] and other.recover() == []  # each lease is held by an open file
        one.finish_run(mine, "ok", {})
        other.finish_run(theirs, "ok", {})
        assert {r.status for r in one.runs()} == {"ok"}
    assert not list((tmp_path / "leases").iterdir())


def test_results_are_stored_in_one_transaction(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "state.db") as store:
        run_id = store.start_run("run", {})
        bad: dict[str, Any] = {"airflow:k:dag": {"not": "text"}}  # fails after the proposals went in
        with pytest.raises(Exception, match="(?i)bind|type"):
            store.store_results(run_id, [make_proposal(1), make_proposal(2)], (), bad)
        assert store.proposals() == [] and store.get_watermark("airflow:k:dag") is None
        store.store_results(run_id, [make_proposal(1)], (), {"airflow:k:dag": "mark"})
        assert len(store.proposals()) == 1 and store.get_watermark("airflow:k:dag") == "mark"


def test_unpublished_carries_only_pending_proposals_of_runs_that_did_not_finish(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "state.db") as store:
        for n, status in enumerate(("ok", "failed", "interrupted")):
            run_id = store.start_run("run", {})
            store.store_results(run_id, [make_proposal(n), make_proposal(10 + n, status="dropped")])
            store.finish_run(run_id, status, {})
        carried = store.unpublished()
        assert sorted(p.intent.operation for p in carried) == ["GET /pets/1", "GET /pets/2"]
