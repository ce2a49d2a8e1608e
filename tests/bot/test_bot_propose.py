"""`/postwright propose` on a pull request in the GitHub stand-in: one sticky comment, a linked tests PR."""

from __future__ import annotations

import time
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bot.payloads import example
from tests.bot.world import BOT, REPO, ROOT, World, prepare
from tests.github.standin.control import GitHubStandIn


def test_propose_answers_in_one_sticky_comment_with_a_linked_pull_request(world: World) -> None:
    world.start()
    assert httpx.get(f"{world.url}/healthz", timeout=5).status_code == 200
    started = time.monotonic()
    sent = world.send("issue_comment", world.comment("maintainer", "Looks good.\n/postwright propose\n"))
    assert sent.status_code == 202
    world.wait(lambda: any("proposed tests" in b for b in world.sticky()))
    took = time.monotonic() - started
    print(f"propose on the bundled example: {took:.2f} s")  # the eval: evals/bot/bench_propose.py
    [sticky] = world.sticky()
    assert "checked (not run: [sandbox] is off)" in sticky
    pulls = [p for p in world.github.pulls(REPO) if p.user.login == BOT]
    assert len(pulls) == 1 and pulls[0].head_ref.startswith("postwright/")
    assert f"/pull/{pulls[0].number})" in sticky
    # reactions: taken (eyes), answered (+1)
    reactions = world.github.repo(REPO).reactions
    world.wait(lambda: sorted(r.content for rs in reactions.values() for r in rs) == ["+1", "eyes"])

    # a second command edits the same comment in place
    world.send("issue_comment", world.comment("admin", "/postwright help"))
    world.wait(lambda: any("this list" in b for b in world.sticky()))
    assert len(world.sticky()) == 1


def test_unhandled_events_get_204(world: World) -> None:
    world.start()
    for event, action in (("ping", None), ("push", None), ("issues", "opened"), ("pull_request", "opened")):
        assert world.send(event, example(event, action)).status_code == 204, event
    # a comment on an issue (not a pull request) and a comment without a command
    plain = world.comment("maintainer", "/postwright propose")
    del plain["issue"]["pull_request"]
    assert world.send("issue_comment", plain).status_code == 204
    assert world.send("issue_comment", world.comment("maintainer", "no command here")).status_code == 204


class _Dead(Executor):
    """A pool whose worker process has died (what a spec that crashes a parser leaves)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        return future


def test_a_worker_process_that_dies_fails_that_job_only(world: World) -> None:
    server = world.start()
    bot = server.app.state.bot
    bot.handler.pool.shutdown()
    bot.handler.pool = _Dead()
    world.send("issue_comment", world.comment("maintainer", "/postwright propose"))
    world.wait(lambda: any("worker process died" in b for b in world.sticky()))
    world.wait(world.idle)
    world.send("issue_comment", world.comment("maintainer", "/postwright propose"))  # a fresh pool
    world.wait(lambda: any("proposed tests" in b for b in world.sticky()))


@pytest.mark.sandbox
@pytest.mark.slow
def test_propose_runs_the_tests_against_the_prism_mock(
    github: GitHubStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (ROOT / "sandbox" / "node_modules").is_dir():
        pytest.skip("the Node sandbox is not installed: run `make sandbox`")
    monkeypatch.delenv("POSTWRIGHT_STATE_DIR", raising=False)
    world, env = prepare(github, tmp_path / "bot", sandbox=True)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        world.start()
        world.send("issue_comment", world.comment("maintainer", "/postwright propose"))
        world.wait(lambda: any("proposed tests" in b for b in world.sticky()), 300)
        [sticky] = world.sticky()
        assert "checked and run in the sandbox" in sticky and "/pull/" in sticky
    finally:
        world.stop()
