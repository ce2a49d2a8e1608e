"""Airflow-style fan-out against the PostgreSQL store: N APIs, each mapped task run twice (a retry
overlapping the first try), on W worker processes; prints the time curve, PRs opened per API
(duplicates) and proposals missing (lost).

usage: .venv/bin/python -m evals.store.fanout [--apis 25,100,250] [--workers 8] [--tests 20] [--no-claim]

Each task does what a run does to the store: recover, start_run (which claims the API), read the
carried proposals, remember change fingerprints, store proposals + redactions + a watermark in one
transaction, open the API's PR once (``seen``/``remember`` of the PR fingerprint: the check a
publisher makes), mark some proposals published, audit, finish. ``--no-claim`` leaves the spec out
of the run's config (no per-API claim): what the claim prevents shows up as duplicate PRs.
The cluster is a throwaway one on 127.0.0.1 (tests/postgres_kit.py; ``make postgres-env``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import time
from typing import Any

from agent.models import Redaction
from agent.store.postgres import PostgresStore
from tests.postgres_kit import running_server
from tests.store.store_factories import make_proposal


def task(url: str, api: str, tests: int, claim: bool) -> dict[str, Any]:
    """One mapped task's store traffic; returns what it did and how long it took."""
    start = time.perf_counter()
    spec = f"https://specs.test/{api}/openapi.yaml"
    store = PostgresStore(url)
    store.recover()
    run_id = store.start_run("run", {"spec": spec} if claim else {"api": api})
    store.unpublished()
    proposals = [make_proposal(i, tag=api) for i in range(tests)]
    for p in proposals[: tests // 2]:
        if not store.seen(p.intent.change_fingerprints[0]):
            store.remember(p.intent.change_fingerprints[0], "change", run_id)
    redactions = [
        Redaction(kind="token", placeholder=f"[REDACTED:token:{i}]", origin="log", line=i) for i in range(2)
    ]
    store.store_results(run_id, proposals, redactions, {f"airflow:{api}": run_id})
    opened = 0
    if not store.seen(f"pr:{api}"):  # the publisher's "is there a PR for this API yet?"
        time.sleep(0.005)  # the host call that opens it
        store.remember(f"pr:{api}", "pr", run_id)
        opened = 1
    for p in proposals[: tests // 4]:
        store.set_status(p.id, "published", actor="postwright", reason=f"PR for {api}")
    store.audit(run_id, "publish", {"opened": opened})
    store.finish_run(run_id, "ok", {"proposals": tests})
    store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"api": api, "opened": opened, "seconds": time.perf_counter() - start, "rss_mb": rss}


def _star(args: tuple[str, str, int, bool]) -> dict[str, Any]:
    return task(*args)


def measure(url: str, apis: int, workers: int, tests: int, claim: bool) -> dict[str, Any]:
    """Run ``apis`` APIs twice each on ``workers`` processes; count PRs, proposals and time."""
    names = [f"api{n:04d}" for n in range(apis)]
    jobs = [(url, name, tests, claim) for name in names * 2]
    random.Random(apis).shuffle(jobs)
    start = time.perf_counter()
    with mp.get_context("fork").Pool(workers) as pool:
        done = pool.map(_star, jobs, chunksize=1)
    wall = time.perf_counter() - start
    with PostgresStore(url) as store:
        stored = store.proposals()
        runs = store.runs(limit=10 * len(jobs))
    opened: dict[str, int] = {}
    for result in done:
        opened[result["api"]] = opened.get(result["api"], 0) + result["opened"]
    expected = {make_proposal(i, tag=name).id for name in names for i in range(tests)}
    task_times = sorted(r["seconds"] for r in done)
    return {
        "apis": apis,
        "tasks": len(jobs),
        "workers": workers,
        "wall_s": round(wall, 2),
        "tasks_per_s": round(len(jobs) / wall, 1),
        "task_p50_ms": round(1000 * task_times[len(task_times) // 2], 1),
        "task_max_ms": round(1000 * task_times[-1], 1),
        "duplicate_prs": sum(n - 1 for n in opened.values() if n > 1),
        "apis_without_pr": sum(1 for n in opened.values() if n == 0),
        "lost_proposals": len(expected - {p.id for p in stored}),
        "runs_not_ok": sum(1 for r in runs if r.status != "ok"),
        "worker_rss_mb": round(max(r["rss_mb"] for r in done), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--apis", default="25,100,250", help="comma-separated API counts (the curve)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--tests", type=int, default=20, help="proposals per API")
    parser.add_argument("--no-claim", action="store_true", help="runs carry no spec: no per-API claim")
    args = parser.parse_args()
    with running_server() as server:
        os.environ.update(server.env())
        header = False
        for apis in (int(n) for n in args.apis.split(",")):
            row = measure(server.database("fanout"), apis, args.workers, args.tests, not args.no_claim)
            if not header:
                print(" | ".join(row))
                header = True
            print(" | ".join(str(v) for v in row.values()), flush=True)


if __name__ == "__main__":
    main()
