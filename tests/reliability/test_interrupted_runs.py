"""Runs a kill leaves half-done are found and taken over; live ones are left alone (item 2).

A `postwright run` reading a FIFO as its log waits in the logs stage for real until the
test writes to it: a live run, as long as the test wants. Others start meanwhile.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import signal
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from agent import demo, wiring
from agent.config import load_settings
from agent.errors import EXIT_INTERRUPTED, PublishFailed
from agent.events import RunFinished
from agent.models import PublishResult
from agent.ports import ChangeSet
from tests.reliability.kit import Running, StubAirflow, postwright, query, without_log_files

FAILED_CALL = json.dumps(
    {
        "timestamp": "2026-11-24T02:00:01Z",
        "event": "HTTP Request: GET https://api.petstore.example/v1/pets"
        ' "HTTP/1.1 500 Internal Server Error"',
        "level": "error",
    }
)


def _slow_run(stack: ExitStack, ws: Path, fifo: Path) -> tuple[Running, str]:
    """A run waiting on ``fifo`` in its logs stage, and its id."""
    before = {row[0] for row in query(ws, "SELECT id FROM runs")}
    run = stack.enter_context(Running(ws, "run", "--no-verify", "--no-publish", "--logs", str(fifo)))
    run.wait_for(r"✓ load")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until it has recorded that it reads its logs
        new = {row[0] for row in query(ws, "SELECT id FROM runs WHERE stage = 'logs'")} - before
        if new:
            return run, new.pop()
        time.sleep(0.05)
    raise AssertionError("the slow run never reached its logs stage")


def _status(ws: Path, run_id: str) -> str:
    return str(query(ws, "SELECT status FROM runs WHERE id = ?", run_id)[0][0])


def test_dead_runs_are_marked_interrupted_and_live_ones_left_alone(tmp_path: Path) -> None:
    ws = demo.prepare(tmp_path / "ws").root
    assert postwright(ws, "run", "--no-verify", "--no-publish").returncode == 0  # the state db exists
    fifos = [tmp_path / f"slow-{n}.log" for n in range(3)]
    for fifo in fifos:
        os.mkfifo(fifo)
    with ExitStack() as stack:
        (live, live_id), (other, other_id), (dead, dead_id) = (
            _slow_run(stack, ws, fifo)
            for fifo in fifos  # two live runs in two processes, and one ...
        )
        dead.kill()  # ... killed: its row still says running

        after = postwright(ws, "run", "--no-verify", "--no-publish")
        assert after.returncode == 0, after.stderr
        assert f"run {dead_id} was interrupted during logs" in after.stderr
        assert live_id not in after.stderr and other_id not in after.stderr
        assert _status(ws, dead_id) == "interrupted"
        assert _status(ws, live_id) == _status(ws, other_id) == "running"  # alive: not misjudged

        again = postwright(ws, "run", "--no-verify", "--no-publish")  # reported once, not every time
        assert again.returncode == 0 and "interrupted" not in again.stderr

        for run, fifo in ((live, fifos[0]), (other, fifos[1])):
            fifo.write_text(FAILED_CALL + "\n")  # the log arrives: the run goes on and ends well
            code, err = run.finish()
            assert code == 0, err
    assert _status(ws, live_id) == _status(ws, other_id) == "ok"
    assert not list((ws / ".postwright" / "leases").iterdir())  # every lease was given back


def test_sigint_marks_the_run_interrupted_itself(tmp_path: Path) -> None:
    ws = demo.prepare(tmp_path / "ws").root
    fifo = tmp_path / "slow.log"
    os.mkfifo(fifo)
    assert postwright(ws, "run", "--no-verify", "--no-publish").returncode == 0  # the state db exists
    with ExitStack() as stack:
        run, run_id = _slow_run(stack, ws, fifo)
        code = run.kill(signal.SIGINT)  # Ctrl-C, while it waits for its log
        assert code == EXIT_INTERRUPTED, "".join(run.lines)

    assert _status(ws, run_id) == "interrupted"


def test_proposals_stored_by_a_run_that_did_not_publish_are_published_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = demo.prepare(tmp_path / "ws")
    without_log_files(ws)
    with StubAirflow(ws, token="pwt_" + secrets.token_hex(16)) as stub:
        for name, value in stub.env().items():
            monkeypatch.setenv(name, value)
        settings = load_settings(config=ws.root / "postwright.toml", state_dir=ws.root / ".postwright")

        class Refusing:
            def publish(self, change_set: ChangeSet) -> PublishResult:
                raise PublishFailed("the review host is down")

        with wiring.build(settings, verify=False) as built, pytest.raises(PublishFailed):
            list(dataclasses.replace(built, publisher=Refusing()).run(wiring.job(settings)))
        stored = [json.loads(p) for (p,) in query(ws.root, "SELECT provenance FROM proposals")]
        regressions = {
            f"pw-{p['intent']['fingerprint']}" for p in stored if p["intent"]["kind"] == "regression"
        }
        assert len(regressions) == 3  # stored, with the watermark, before publishing failed

        with wiring.build(settings, verify=False) as pipeline:
            finished = list(pipeline.run(wiring.job(settings)))[-1]
    assert isinstance(finished, RunFinished) and finished.summary.publish is not None
    assert finished.summary.signals == 0  # the logs were not read again ...
    published = subprocess.run(
        ["git", "show", f"{finished.summary.publish.branch}:collections/petstore.postman_collection.json"],
        cwd=ws.repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(item_id in published for item_id in regressions)  # ... and their tests were published
    statuses = query(ws.root, "SELECT status FROM proposals WHERE id IN (?, ?, ?)", *regressions)
    assert {s for (s,) in statuses} == {"published"}
