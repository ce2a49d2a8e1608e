"""Workers writing one store at once (real processes, both backends) lose no row, duplicate none,
and a killed worker's run is recovered by the next."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.store.conftest import Backend

ROWS = 500
PROPOSALS = 50
ROOT = str(Path(__file__).resolve().parents[2])  # for tests.store in the workers

WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tests.store.store_factories import make_proposal, opened

    where, tag, go, shared = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4] == "shared"
    while not go.exists():  # start together so the writes really interleave
        time.sleep(0.001)
    store = opened(where)  # fresh store: both race through the migrations too
    run_id = store.start_run(tag, {})
    mine = "same" if shared else tag
    for i in range(ROWS):
        if not shared:  # shared: nothing between the upserts, so the two collide on each id
            store.audit(run_id, "tick", {"i": i, "tag": tag})
        if i % 10 == 0:
            store.add_proposals(run_id, [make_proposal(i // 10, tag=mine)])
            store.remember(f"{mine}-{i}", "change", run_id)
            store.set_watermark(f"airflow:{mine}", str(i))
    store.finish_run(run_id, "ok", {"rows": ROWS})
    store.close()
    """
).replace("ROWS", str(ROWS))


def _workers(backend: Backend, tmp_path: Path, *, shared: bool) -> None:
    go = tmp_path / "go"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": ROOT}
    argv = [str(go), "shared" if shared else "own"]
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), backend.where, tag, *argv], stderr=subprocess.PIPE, env=env
        )
        for tag in ("a", "b")
    ]
    time.sleep(0.2)  # let both interpreters start before the gate opens
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()


def test_two_processes_write_concurrently(backend: Backend, tmp_path: Path) -> None:
    _workers(backend, tmp_path, shared=False)
    with backend.open() as store:
        assert store.integrity_check() == "ok"
        runs = store.runs()
        assert sorted(r.kind for r in runs) == ["a", "b"]
        assert all(r.status == "ok" for r in runs)
        for run in runs:
            events = store.audit_events(run.id)
            assert [e.data["i"] for e in events] == list(range(ROWS))
            assert len(store.proposals(run_id=run.id)) == PROPOSALS
        assert len(store.proposals()) == 2 * PROPOSALS
        assert all(store.seen(f"{tag}-{i}") for tag in "ab" for i in range(0, ROWS, 10))


def test_two_workers_proposing_the_same_tests_store_each_once(backend: Backend, tmp_path: Path) -> None:
    _workers(backend, tmp_path, shared=True)
    with backend.open() as store:
        proposals = store.proposals()
        assert len(proposals) == len({p.id for p in proposals}) == PROPOSALS  # none lost, none twice
        for p in proposals:  # one "proposed" decision each, whichever worker came second
            assert [d.reason for d in store.decisions(p.id)] == ["proposed"]
        assert store.get_watermark("airflow:same") == str(ROWS - 10)
        assert all(store.seen(f"same-{i}") for i in range(0, ROWS, 10))


KILLED = textwrap.dedent(
    """
    import sys, time
    from tests.store.store_factories import make_proposal, opened

    store = opened(sys.argv[1])
    run_id = store.start_run("run", {"spec": "api-a.yaml"})
    store.store_results(run_id, [make_proposal(7, tag="killed")], (), {"airflow:a": "1"})
    print(run_id, flush=True)
    time.sleep(600)  # killed here, its lease held
    """
)


def test_a_killed_worker_is_recovered_by_another_and_its_proposals_carried(backend: Backend) -> None:
    env = {**os.environ, "PYTHONPATH": ROOT}
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED, backend.where], stdout=subprocess.PIPE, text=True, env=env
    )
    assert worker.stdout is not None
    dead = worker.stdout.readline().strip()
    with backend.open() as other:
        assert other.recover() == []  # alive: left alone
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        deadline = time.monotonic() + 30  # the server notices the closed socket at once; be patient
        while not (recovered := other.recover()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [(r.id, r.status) for r in recovered] == [(dead, "interrupted")]
        run_id = other.start_run("run", {"spec": "api-a.yaml"})
        assert [p.intent.operation for p in other.unpublished()] == ["GET /pets/7"]
        assert other.get_watermark("airflow:a") == "1"
        other.finish_run(run_id, "ok", {})
