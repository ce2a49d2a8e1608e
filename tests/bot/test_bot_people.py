"""Who may command the bot: people who may write; not readers, strangers, bots, or the bot itself."""

from __future__ import annotations

import pytest

from agent.bot.render import MARKER, REFUSAL_MARKER
from tests.bot.payloads import pr_comment
from tests.bot.world import BOT, REPO, World, open_pull


@pytest.mark.parametrize("user", ["reader", "stranger", "triager"])
def test_a_command_from_someone_who_may_not_write_runs_nothing_and_gets_one_reply(
    world: World, user: str
) -> None:
    if user == "triager":
        world.github.grant(REPO, "triager", "triage")
    world.start()
    for text in ("/postwright propose", "/postwright recreate", "/postwright help"):
        assert world.send("issue_comment", world.comment(user, text)).status_code == 202
    world.wait(world.idle)
    [reply] = world.sticky()
    assert REFUSAL_MARKER in reply and MARKER not in reply
    assert [p for p in world.github.pulls(REPO) if p.user.login == BOT] == []
    assert world.github.repo(REPO).reactions == {}  # not even acknowledged
    assert not [r for r in world.github.requests if r.method == "GET" and "/git/" in r.path]  # no spec read


@pytest.mark.parametrize("who", ["app", "bot-typed user", "the bot itself"])
def test_bots_and_the_bot_itself_are_ignored(world: World, who: str) -> None:
    world.start()
    if who == "app":
        payload = world.comment("dependabot[bot]", "/postwright propose", user_type="Bot")
    elif who == "bot-typed user":
        payload = world.comment("ci-runner", "/postwright propose", user_type="Bot")
    else:  # its own sticky comment quotes the help text; with a person's token it is a "User"
        payload = world.comment(BOT, f"{MARKER}\n/postwright propose")
    assert world.send("issue_comment", payload).status_code == 204
    # and if its own comment got through the filter (no marker), the worker still knows its login
    plain = pr_comment(REPO, world.number, "/postwright propose", user=BOT, comment_id=99)
    assert world.send("issue_comment", plain).status_code == 202
    world.wait(world.idle)
    assert world.sticky() == ([payload["comment"]["body"]] if who == "the bot itself" else [])
    assert world.github.repo(REPO).reactions == {}


def test_a_pull_request_from_an_outside_contributor_runs_only_on_a_writers_command(world: World) -> None:
    # The stand-in does not model forks: an outside contributor's PR is the same case for the bot
    # (it never checks out the PR; it reads spec files through the API, and only a writer may ask).
    spec = world.github.file(REPO, "api-change", "openapi/petstore.yaml")
    assert spec is not None
    number = open_pull(world.github, "outsider", "outsider-change", spec)
    world.start()
    assert (
        world.send(
            "issue_comment", world.comment("outsider", "/postwright propose", number=number)
        ).status_code
        == 202
    )
    world.wait(world.idle)
    assert [REFUSAL_MARKER in b for b in world.sticky(number)] == [True]
    assert (
        world.send(
            "issue_comment", world.comment("maintainer", "/postwright propose", number=number)
        ).status_code
        == 202
    )
    world.wait(lambda: any("proposed tests" in b for b in world.sticky(number)))


def test_permission_is_asked_of_github_and_cached_briefly(world: World) -> None:
    world.start()
    for _ in range(3):
        world.send("issue_comment", world.comment("writer", "/postwright help"))
    world.wait(world.idle)
    asked = [r for r in world.github.requests if r.path.endswith("/collaborators/writer/permission")]
    assert len(asked) == 1
