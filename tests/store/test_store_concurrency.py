"""Two real processes writing at once lose no row and leave a sound database."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from agent.store import SQLiteStore

ROWS = 500
PROPOSALS = 50

WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tests.store.store_factories import make_proposal
    from agent.store import SQLiteStore

    db, tag, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    while not go.exists():  # start together so the writes really interleave
        time.sleep(0.001)
    store = SQLiteStore(db)  # fresh db: both race through the migrations too
    run_id = store.start_run(tag, {})
    for i in range(ROWS):
        store.audit(run_id, "tick", {"i": i, "tag": tag})
        if i % 10 == 0:
            store.add_proposals(run_id, [make_proposal(i // 10, tag=tag)])
            store.remember(f"{tag}-{i}", "change", run_id)
    store.finish_run(run_id, "ok", {"rows": ROWS})
    store.close()
    """
).replace("ROWS", str(ROWS))


def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    db, go = tmp_path / "state.db", tmp_path / "go"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}  # for tests.store
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(db), tag, str(go)], stderr=subprocess.PIPE, env=env
        )
        for tag in ("a", "b")
    ]
    time.sleep(0.2)  # let both interpreters start before the gate opens
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()

    with SQLiteStore(db) as store:
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
