"""A pull request from a fork: its head spec is read through the base repository at the PR's head sha
(as GitHub serves a fork network's commits; an app token narrowed to the base could not read the
fork), and only a writer of the base may ask."""

from __future__ import annotations

import httpx
import pytest

from agent.bot.render import MARKER, REFUSAL_MARKER
from tests.bot.world import BOT, REPO, SPEC, World
from tests.github.standin.forks import fork


def _fork_pull(world: World, owner: str) -> tuple[int, str]:
    """``owner`` forks the API repository, changes its spec there and opens a PR from the fork."""
    spec = world.github.file(REPO, "api-change", SPEC)
    assert spec is not None
    forked = fork(world.github, REPO, owner).full_name
    world.github.push(forked, "their-change", {SPEC: spec}, by=owner, message="Change the API")
    answer = httpx.post(
        f"{world.github.url}/repos/{REPO}/pulls",
        json={"title": "Their change", "head": f"{owner}:their-change", "base": "main"},
        headers={"Authorization": f"Bearer {world.github.token_for(owner)}"},
        timeout=10,
    )
    answer.raise_for_status()
    pull = answer.json()
    # as GitHub's pull-request schema has it (the stand-in's contract check holds it to that)
    assert pull["head"]["repo"]["full_name"] == forked and pull["head"]["repo"]["fork"] is True
    assert pull["base"]["repo"]["full_name"] == REPO and pull["base"]["repo"]["fork"] is False
    assert pull["head"]["label"] == f"{owner}:their-change"
    return int(pull["number"]), forked


def _reads_of(world: World, repo: str) -> list[str]:
    return [
        r.path for r in world.github.requests if r.method == "GET" and r.path.startswith(f"/repos/{repo}/")
    ]


@pytest.mark.parametrize("owner", ["outsider", "reader"])
def test_a_fork_pull_request_runs_only_on_a_base_writers_command_and_reads_its_head_in_the_base(
    world: World, owner: str
) -> None:
    number, forked = _fork_pull(world, owner)
    world.start()
    # the fork's author is admin of the fork but may not write to the base: refused, nothing read
    assert world.github.repo(forked).roles[owner] == "admin"
    assert (
        world.send("issue_comment", world.comment(owner, "/postwright propose", number=number)).status_code
        == 202
    )
    world.wait(world.idle)
    assert [REFUSAL_MARKER in b for b in world.sticky(number)] == [True]
    assert _reads_of(world, forked) == []
    assert [p for p in world.github.pulls(REPO) if p.user.login == BOT] == []

    assert (
        world.send(
            "issue_comment", world.comment("maintainer", "/postwright propose", number=number)
        ).status_code
        == 202
    )
    world.wait(lambda: any(MARKER in b and "proposed tests" in b for b in world.sticky(number)))
    # the head spec came through the base repository, at the PR's head sha; the fork is never read
    head_sha = world.github.pull(REPO, number).head_sha
    assert any(head_sha in path for path in _reads_of(world, REPO))
    assert _reads_of(world, forked) == []
    [tests_pr] = [p for p in world.github.pulls(REPO) if p.user.login == BOT]
    assert tests_pr.head_repo is None  # the tests go to the base repository's own branch, not the fork
