"""The durable queue: per-PR order, PRs in parallel, replays, restarts; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.bot.queue import BotQueue
from agent.store import SQLiteStore, open_store
from tests.bot.world import REPO, World

JOB = {"commands": [["help", ""]]}


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SQLiteStore]:
    if request.param == "sqlite":
        found = open_store(tmp_path / "state")
    else:
        server = request.getfixturevalue("pg_env")
        found = open_store(tmp_path, server.database())
    with found:
        yield found


def test_one_job_per_pull_request_at_a_time_in_order_and_others_in_parallel(store: SQLiteStore) -> None:
    queue = BotQueue(store)
    for delivery, pull in (("d1", "a#1"), ("d2", "a#1"), ("d3", "a#2"), ("d4", "a#1")):
        assert queue.accept(delivery, "issue_comment", pull, {**JOB, "n": delivery}, 10) == "queued"
    first, other = queue.claim(), queue.claim()
    assert first is not None and other is not None
    assert (first.delivery, other.delivery) == ("d1", "d3")
    assert queue.claim() is None  # a#1's next waits for d1
    queue.finish(first, ok=True)
    second = queue.claim()
    assert second is not None and second.delivery == "d2" and second.payload["n"] == "d2"
    assert queue.counts() == {"done": 1, "running": 2, "queued": 1}


def test_replays_redeliveries_and_a_full_queue(store: SQLiteStore) -> None:
    queue = BotQueue(store)
    assert queue.accept("d1", "issue_comment", "a#1", JOB, 2) == "queued"
    assert queue.accept("d1", "issue_comment", "a#1", JOB, 2) == "duplicate"  # queued: a replay
    job = queue.claim()
    assert job is not None
    queue.finish(job, ok=False)
    assert queue.accept("d1", "issue_comment", "a#1", JOB, 2) == "queued"  # failed: processed again
    assert queue.accept("d2", "issue_comment", "a#2", JOB, 2) == "queued"
    assert queue.accept("d3", "issue_comment", "a#3", JOB, 2) == "full"
    again = queue.claim()
    assert again is not None
    queue.finish(again, ok=True)
    assert queue.accept("d1", "issue_comment", "a#1", JOB, 2) == "duplicate"  # done: a replay


def test_a_job_left_running_by_a_stopped_server_runs_again(store: SQLiteStore) -> None:
    queue = BotQueue(store)
    queue.accept("d1", "issue_comment", "a#1", JOB, 5)
    assert queue.claim() is not None
    assert BotQueue(store).recover() == 1
    job = BotQueue(store).claim()
    assert job is not None and job.delivery == "d1"


def test_two_commands_on_one_pull_request_at_once_run_one_after_the_other(world: World) -> None:
    world.start()
    one = world.comment("maintainer", "/postwright propose")
    two = world.comment("admin", "/postwright help")
    assert world.send("issue_comment", one).status_code == 202
    assert world.send("issue_comment", two).status_code == 202
    world.wait(lambda: any("this list" in b for b in world.sticky()))
    world.wait(world.idle)
    reacted = [
        int(m.group(1))
        for r in world.github.requests
        if r.method == "POST" and (m := re.search(r"/issues/comments/(\d+)/reactions$", r.path))
    ]
    first, second = one["comment"]["id"], two["comment"]["id"]
    assert reacted == [first, first, second, second]  # eyes, +1 of the first before the second's eyes
    assert len(world.sticky()) == 1


def test_a_restart_loses_no_accepted_delivery(world: World) -> None:
    world.start(run_workers=False)
    other = world.github.file(REPO, "api-change", "openapi/petstore.yaml")
    assert other is not None
    sent = [world.comment("maintainer", "/postwright help"), world.comment("writer", "/postwright propose")]
    for payload in sent:
        assert world.send("issue_comment", payload).status_code == 202
    world.stop()
    with sqlite3.connect(world.root / ".pw" / "state.db") as db:
        assert dict(db.execute("SELECT status, COUNT(*) FROM bot_jobs GROUP BY status")) == {"queued": 2}
        db.execute("UPDATE bot_jobs SET status = 'running' WHERE seq = (SELECT MIN(seq) FROM bot_jobs)")
    world.start()  # the one left running (a kill mid-job) and the queued one both run
    world.wait(lambda: any("proposed tests" in b for b in world.sticky()))
    world.wait(world.idle)
    with sqlite3.connect(world.root / ".pw" / "state.db") as db:
        assert dict(db.execute("SELECT status, COUNT(*) FROM bot_jobs GROUP BY status")) == {"done": 2}
