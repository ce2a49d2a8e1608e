"""Leases tell live runs from dead ones; a run's results are stored all together or not at all."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.store.conftest import Backend
from tests.store.store_factories import make_proposal

DIE_RUNNING = textwrap.dedent(
    """
    import os, sys
    from tests.store.store_factories import opened

    store = opened(sys.argv[1])
    print(store.start_run("run", {}), flush=True)
    os._exit(int(sys.argv[2]))  # no finish_run, no cleanup: as a kill leaves it
    """
)
ROOT = str(Path(__file__).resolve().parents[2])  # for tests.store in the worker


def _die_running(where: str, code: int = 0) -> str:
    out = subprocess.run(
        [sys.executable, "-c", DIE_RUNNING, where, str(code)],
        capture_output=True,
        text=True,
        check=False,  # the worker exits with the code it is given
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    return out.stdout.strip()


@pytest.mark.parametrize("code", [0, 1, 137])
def test_a_run_whose_process_is_gone_is_interrupted(backend: Backend, code: int) -> None:
    dead = _die_running(backend.where, code)
    with backend.open() as store:
        (run,) = store.recover()
        assert (run.id, run.status, run.stage) == (dead, "interrupted", "start")
        assert run.pid is not None and run.host
        assert store.recover() == []  # once
        assert not (backend.state_dir / "leases" / f"{dead}.lock").exists()


def test_live_runs_in_this_process_are_left_alone(backend: Backend) -> None:
    with backend.open() as one, backend.open() as other:
        mine = one.start_run("run", {})
        theirs = other.start_run("run", {})
        assert one.recover() == [] and other.recover() == []  # each lease is held by an open file
        one.finish_run(mine, "ok", {})
        other.finish_run(theirs, "ok", {})
        assert {r.status for r in one.runs()} == {"ok"}
    assert not list((backend.state_dir / "leases").glob("*"))


def test_results_are_stored_in_one_transaction(backend: Backend) -> None:
    with backend.open() as store:
        run_id = store.start_run("run", {})
        bad: dict[str, Any] = {"airflow:k:dag": {"not": "text"}}  # fails after the proposals went in
        with pytest.raises(Exception, match="(?i)bind|type"):
            store.store_results(run_id, [make_proposal(1), make_proposal(2)], (), bad)
        assert store.proposals() == [] and store.get_watermark("airflow:k:dag") is None
        store.store_results(run_id, [make_proposal(1)], (), {"airflow:k:dag": "mark"})
        assert len(store.proposals()) == 1 and store.get_watermark("airflow:k:dag") == "mark"


def test_unpublished_carries_only_pending_proposals_of_runs_that_did_not_finish(backend: Backend) -> None:
    with backend.open() as store:
        for n, status in enumerate(("ok", "failed", "interrupted")):
            run_id = store.start_run("run", {})
            store.store_results(run_id, [make_proposal(n), make_proposal(10 + n, status="dropped")])
            store.finish_run(run_id, status, {})
        carried = store.unpublished()
        assert sorted(p.intent.operation for p in carried) == ["GET /pets/1", "GET /pets/2"]


def test_a_run_carries_only_its_own_apis_proposals(backend: Backend) -> None:
    with backend.open() as store:  # one store shared by two APIs' workers
        for n, spec in enumerate(("a.yaml", "b.yaml")):
            run_id = store.start_run("run", {"spec": spec})
            store.store_results(run_id, [make_proposal(n, tag=spec)])
            store.finish_run(run_id, "failed", {})
        assert len(store.unpublished()) == 2  # asked outside a run: every API's
        for spec, n in (("a.yaml", 0), ("b.yaml", 1)):
            run_id = store.start_run("run", {"spec": spec})
            assert [p.id for p in store.unpublished()] == [make_proposal(n, tag=spec).id]
            store.finish_run(run_id, "ok", {})


def test_two_projects_with_the_same_spec_name_are_two_apis(backend: Backend) -> None:
    """Each project's ``openapi.yaml`` is its own API: stored as ``api`` (the located spec)."""
    with backend.open() as store:
        projects = [{"spec": "openapi.yaml", "api": f"/srv/{name}/openapi.yaml"} for name in ("a", "b")]
        for n, config in enumerate(projects):
            run_id = store.start_run("run", config)
            store.store_results(run_id, [make_proposal(n, tag=config["api"])])
            store.finish_run(run_id, "failed", {})
        for n, config in enumerate(projects):
            run_id = store.start_run("run", config)
            assert [p.id for p in store.unpublished()] == [make_proposal(n, tag=config["api"]).id]
            store.finish_run(run_id, "ok", {})


def test_a_run_stored_before_api_was_recorded_is_matched_by_its_spec(backend: Backend) -> None:
    with backend.open() as store:
        old = store.start_run("run", {"spec": "openapi.yaml"})  # a row written by an older postwright
        store.store_results(old, [make_proposal(1)])
        store.finish_run(old, "interrupted", {})
        run_id = store.start_run("run", {"spec": "openapi.yaml", "api": "/srv/a/openapi.yaml"})
        assert [p.id for p in store.unpublished()] == [make_proposal(1).id]
        store.finish_run(run_id, "ok", {})
