"""Store under contention: N processes append audit rows at once; prints throughput and interleaving.

Run: .venv/bin/python -m evals.store.bench_store [processes] [rows]
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from agent.store import SQLiteStore


def _writer(db: str, tag: str, rows: int, gate: mp.synchronize.Event) -> None:
    store = SQLiteStore(Path(db))
    run_id = store.start_run(tag, {})
    gate.wait()
    for i in range(rows):
        store.audit(run_id, "tick", {"i": i})
    store.finish_run(run_id, "ok", {})
    store.close()


def main() -> None:
    procs, rows = (
        (int(sys.argv[1]) if len(sys.argv) > 1 else 2),
        (int(sys.argv[2]) if len(sys.argv) > 2 else 2000),
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "state.db")
        SQLiteStore(Path(db)).close()
        gate = mp.get_context("spawn").Event()
        workers = [
            mp.get_context("spawn").Process(target=_writer, args=(db, f"w{n}", rows, gate))
            for n in range(procs)
        ]
        for w in workers:
            w.start()
        time.sleep(1.0)
        start = time.perf_counter()
        gate.set()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - start
        con = sqlite3.connect(db)
        order = [r[0] for r in con.execute("SELECT run_id FROM audit ORDER BY id")]
        switches = sum(1 for a, b in zip(order, order[1:], strict=False) if a != b)
        print(f"processes={procs} rows_each={rows} total_rows={len(order)} expected={procs * rows}")
        print(f"elapsed_s={elapsed:.2f} rows_per_s={len(order) / elapsed:.0f} writer_switches={switches}")
        print(f"integrity={con.execute('PRAGMA integrity_check').fetchone()[0]}")


if __name__ == "__main__":
    main()
