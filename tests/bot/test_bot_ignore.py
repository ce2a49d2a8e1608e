"""``/postwright ignore <rule-id>``: that diff rule's changes get no tests on this PR, kept across runs."""

from __future__ import annotations

import re

from tests.bot.world import REPO, World, open_pull


def _say(world: World, text: str, until: str) -> str:
    """``text`` from a maintainer; the sticky comment once it shows ``until``."""
    world.send("issue_comment", world.comment("maintainer", text))
    world.wait(lambda: any(until in b and text.splitlines()[-1] in b for b in world.sticky()))
    world.wait(world.idle)
    [sticky] = world.sticky()
    return sticky


def _tests(sticky: str) -> set[str]:
    return set(re.findall(r"`(pw-[0-9a-z-]+)`", sticky))


def test_ignored_rules_get_no_tests_on_this_pull_request_and_stay_ignored(world: World) -> None:
    world.start()
    before = _tests(_say(world, "/postwright propose", "proposed tests"))
    assert before

    unknown = _say(world, "/postwright ignore no-such-rule\n/postwright help", "Commands")
    assert "`no-such-rule` is not a diff rule id; nothing is ignored." in unknown.splitlines()
    for breaking in ("new-required-request-parameter", "request-parameter-enum-value-removed"):
        refused = _say(world, f"/postwright ignore {breaking}\n/postwright help", "Commands")
        assert f"`{breaking}` is a breaking-change rule: not ignored" in refused

    # a warning rule and an info rule (3 + 1 changes in the example's diff); regenerate in the same
    # comment (from scratch: a propose keeps the tests already on the tests' branch)
    text = "\n".join(
        [
            "/postwright ignore response-optional-property-removed",
            "/postwright ignore endpoint-added",
            "/postwright regenerate",
        ]
    )
    after = _say(world, text, "proposed tests")
    assert after.count("get no tests on this pull request") == 2
    rules = "(`endpoint-added`, `response-optional-property-removed`)"
    assert f"4 changes of rules ignored on this pull request {rules} got no tests" in after
    fewer = _tests(after)
    assert fewer and fewer < before

    # kept in the state database: a restarted bot's regenerate still leaves them out
    world.stop()
    world.start()
    again = _say(world, "/postwright regenerate", "proposed tests")
    assert "4 changes of rules ignored" in again and _tests(again) == fewer
    assert world.github.pulls(REPO)  # the API PR and the tests PR are still there


def test_ignore_is_per_pull_request(world: World) -> None:
    world.start()
    _say(world, "/postwright ignore endpoint-added\n/postwright help", "Commands")
    spec = world.github.file(REPO, "api-change", "openapi/petstore.yaml")
    assert spec is not None
    other = open_pull(world.github, "writer", "second-change", spec)
    world.send("issue_comment", world.comment("maintainer", "/postwright propose", number=other))
    world.wait(lambda: any("proposed tests" in b for b in world.sticky(other)))
    assert not any("rules ignored" in b for b in world.sticky(other))
