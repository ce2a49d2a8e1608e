"""Airflow-style fan-out against the PostgreSQL store and the GitHub stand-in: N APIs, each mapped
task run twice (a retry overlapping the first try), on W worker processes; prints the time curve,
PRs per collection file on the stand-in (duplicates), proposals stored or published (lost) and the
git-host calls per task.

usage: .venv/bin/python -m evals.store.fanout [--apis 25,100,250] [--workers 8] [--tests 20] [--no-claim]

Each task does what a run does to the store (recover, start_run which claims the API, read the
carried proposals, remember change fingerprints, store proposals + redactions + a watermark in one
transaction, audit, finish) and publishes through the real publisher: ``RemotePublisher`` over
``GitHubAPI`` (agent/publish) with a token from the environment, to the stand-in
(tests/github/standin) started in this process, one collection file per API in one repository.
Not a full ``postwright run`` per task: generation and the sandbox are what a run costs on top
(ARCHITECTURE.md, "Scale"); here the store and the host are what the fan-out contends for.
``--no-claim`` leaves the spec out of the run's config (no per-API claim); the publisher's own
look-before-write (a 422 "already exists" makes it look again) is then all that stops a duplicate.
The cluster is a throwaway one on 127.0.0.1 (tests/postgres_kit.py; ``make postgres-env``).

Measured on 8 workers (2 shared CPUs, load 5-9; the table is in evals/store/README.md):
25 / 100 / 250 APIs took 5.8 / 25.9 / 73.2 s, 0 duplicate PRs, 0 lost proposals, 15 git-host
calls for the task that opens an API's PR and 10 (all reads) for its retry.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import time
from typing import Any

import httpx

from agent.identity.env import EnvToken
from agent.identity.token import TokenCache
from agent.models import Proposal, Redaction
from agent.ports import ChangeSet
from agent.publish.github import GitHubAPI
from agent.publish.github_calls import CachedToken, Calls
from agent.publish.remote import RemotePublisher
from agent.store.postgres import PostgresStore
from tests.github.standin.control import GitHubStandIn
from tests.postgres_kit import running_server
from tests.store.store_factories import make_proposal

REPO = "acme/api-tests"
TOKEN_ENV = "PW_FANOUT_GITHUB_TOKEN"


def collection_path(api: str) -> str:
    return f"collections/{api}.postman_collection.json"


class Counting(httpx.HTTPTransport):
    """An httpx transport that counts the requests it sends (the task's git-host calls)."""

    sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        Counting.sent += 1
        return super().handle_request(request)


def change_set(api: str, proposals: list[Proposal]) -> ChangeSet:
    items = [
        {
            "id": f"pw-{p.id}",
            "name": p.intent.text,
            "request": {"method": "GET", "url": "{{base}}" + p.intent.path},
        }
        for p in proposals
    ]
    collection = {"info": {"name": api}, "item": items}
    return ChangeSet(
        key=api,
        title=f"postwright: {len(items)} tests for {api}",
        collection=collection,
        body="tests",
        proposals=proposals,
    )


def publish(api_url: str, api: str, proposals: list[Proposal]) -> tuple[int | None, list[str], int]:
    """Publish through RemotePublisher/GitHubAPI; the PR number, the ids it proposes, calls sent."""
    Counting.sent = 0
    cache = TokenCache(EnvToken(TOKEN_ENV))
    calls = Calls(api_url, CachedToken(cache, api_url), transport=Counting())
    publisher = RemotePublisher(GitHubAPI(REPO, calls), collection_path(api), labels=["api-tests"])
    result = publisher.publish(change_set(api, proposals))
    return result.request, list(result.proposed or []), Counting.sent


def task(url: str, api_url: str, api: str, tests: int, claim: bool) -> dict[str, Any]:
    """One mapped task's store traffic and publish; returns what it did and how long it took."""
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
    number, proposed, calls = publish(api_url, api, proposals)
    if number is not None and not store.seen(f"pr:{api}:{number}"):
        store.remember(f"pr:{api}:{number}", "pr", run_id)
    store.audit(run_id, "publish", {"request": number, "proposed": len(proposed)})
    store.finish_run(run_id, "ok", {"proposals": tests})
    store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"api": api, "seconds": time.perf_counter() - start, "rss_mb": rss, "calls": calls}


def _star(args: tuple[str, str, str, int, bool]) -> dict[str, Any]:
    return task(*args)


def on_branch(github: GitHubStandIn, api: str) -> set[str]:
    """The postwright test ids on the API's PR branch (what reviewers see)."""
    data = github.file(REPO, f"postwright/{api}", collection_path(api))
    return {i["id"] for i in json.loads(data)["item"]} if data else set()


def prepare(github: GitHubStandIn) -> str:
    """The repository the collections live in; the bot's token (for ``TOKEN_ENV``)."""
    github.create_repo(REPO, files={"README.md": "# API tests\n"})
    return github.token_for("pw-bot", limit=1_000_000)


def measure(
    url: str, github: GitHubStandIn, apis: int, workers: int, tests: int, claim: bool
) -> dict[str, Any]:
    """Run ``apis`` APIs twice each on ``workers`` processes; count PRs, proposals, calls and time."""
    names = [f"api{apis:03d}x{n:04d}" for n in range(apis)]  # a fresh set of files per measurement
    base = {collection_path(n): json.dumps({"info": {"name": n}, "item": []}) + "\n" for n in names}
    github.push(REPO, "main", base, message=f"{apis} collections")
    before = len(github.requests)
    jobs = [(url, github.url, name, tests, claim) for name in names * 2]
    random.Random(apis).shuffle(jobs)
    start = time.perf_counter()
    with mp.get_context("fork").Pool(workers) as pool:
        done = pool.map(_star, jobs, chunksize=1)
    wall = time.perf_counter() - start
    with PostgresStore(url) as store:
        stored = {p.id for p in store.proposals()}
        runs = store.runs(limit=10 * len(jobs))
    pulls: dict[str, int] = {}
    for pull in github.pulls(REPO):
        api = pull.head_ref.removeprefix("postwright/")
        pulls[api] = pulls.get(api, 0) + 1
    expected = {make_proposal(i, tag=name).id for name in names for i in range(tests)}
    published = {i.removeprefix("pw-") for name in names for i in on_branch(github, name)}
    task_times = sorted(r["seconds"] for r in done)
    calls = sorted(r["calls"] for r in done)
    return {
        "apis": apis,
        "tasks": len(jobs),
        "workers": workers,
        "wall_s": round(wall, 2),
        "tasks_per_s": round(len(jobs) / wall, 1),
        "task_p50_ms": round(1000 * task_times[len(task_times) // 2], 1),
        "task_max_ms": round(1000 * task_times[-1], 1),
        "duplicate_prs": sum(n - 1 for api, n in pulls.items() if api in names and n > 1),
        "apis_without_pr": sum(1 for name in names if pulls.get(name, 0) == 0),
        "lost_stored": len(expected - stored),
        "lost_published": len(expected - published),
        "runs_not_ok": sum(1 for r in runs if r.status != "ok"),
        "host_calls": len(github.requests) - before,
        "calls_first": calls[-1],  # the task that opened the PR
        "calls_again": calls[0],  # the retry that found it: nothing written
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
    github = GitHubStandIn()
    try:
        os.environ[TOKEN_ENV] = prepare(github)
        with running_server() as server:
            os.environ.update(server.env())
            header = False
            for apis in (int(n) for n in args.apis.split(",")):
                db = server.database(f"fanout{apis}")
                row = measure(db, github, apis, args.workers, args.tests, not args.no_claim)
                if not header:
                    print(" | ".join(row))
                    header = True
                print(" | ".join(str(v) for v in row.values()), flush=True)
    finally:
        github.close()


if __name__ == "__main__":
    main()
