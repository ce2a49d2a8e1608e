"""A person reviewing in a terminal (tmux, 80×24): accept, reject with a reason, skip, quit, resume,
help, info, diff; every screen compared with its committed snapshot."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review.kit import REVIEWER, listed, matches_snapshot, review_command
from tests.review.tmux import Pane

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

FIRST, SECOND, THIRD = "pw-088907c4c42c71b5", "pw-22d6414e2f39e70a", "pw-2f31a4f6fb7aea5c"


@pytest.fixture
def pane(project: Path) -> Iterator[Pane]:
    pane = Pane(review_command(project), cwd=project, env={})
    yield pane
    pane.close()


def test_accept_reject_skip_then_quit_keeps_every_decision_and_resumes(project: Path, pane: Pane) -> None:
    first = pane.wait_for("Reviewing [1/19]")
    # a log-derived test names where its signal was seen: dag, task, try, line and run
    assert "  log: dag petstore_sync  task fetch_pets  try 1  line 4" in first.splitlines()
    assert "       run scheduled__2026-11-24T02:00:00+00:00" in first.splitlines()
    matches_snapshot("first", first, project)
    pane.keys("a")
    pane.wait_for("Reviewing [2/19]")
    pane.keys("r")
    matches_snapshot("reject-reason", pane.wait_for("reason (one line"), project)
    pane.type("expects the wrong status for this API")
    pane.keys("Enter")
    pane.wait_for("Reviewing [3/19]")
    pane.keys("Space")
    pane.wait_for("Reviewing [4/19]")
    pane.keys("q")
    matches_snapshot("summary", pane.wait_for("publish 1 accepted now? [y/N]"), project)
    pane.keys("n", "Enter")
    pane.wait_for("[exit 0]")

    rows = listed(project)
    assert rows[FIRST]["status"] == "accepted"
    assert rows[FIRST]["decision"]["actor"] == REVIEWER
    assert rows[SECOND]["status"] == "rejected"
    assert rows[SECOND]["decision"] == {
        "actor": REVIEWER,
        "status": "rejected",
        "reason": "expects the wrong status for this API",
        "at": rows[SECOND]["decision"]["at"],
    }
    assert rows[THIRD]["status"] == "pending"  # skipped stays pending
    assert sum(r["status"] == "pending" for r in rows.values()) == 17

    again = Pane(review_command(project), cwd=project, env={})
    try:
        shown = again.wait_for("Reviewing [1/17]")
        assert THIRD in shown.splitlines()[0]  # the skipped one comes first
    finally:
        again.close()


def test_decisions_are_stored_before_the_terminal_dies(project: Path, pane: Pane) -> None:
    pane.wait_for("Reviewing [1/19]")
    pane.keys("a")
    pane.wait_for("Reviewing [2/19]")
    pane.close()  # the terminal is killed mid-review
    assert listed(project)[FIRST]["status"] == "accepted"


@pytest.mark.parametrize(("key", "title", "snapshot"), [("?", "keys:", "help"), ("i", "intent:", "info")])
def test_help_and_provenance_pages(project: Path, pane: Pane, key: str, title: str, snapshot: str) -> None:
    pane.wait_for("Reviewing [1/19]")
    pane.keys(key)
    matches_snapshot(snapshot, pane.wait_for(title), project)
    pane.keys("q")
    pane.wait_for("Reviewing [1/19]")


def test_diff_against_the_repository_collection(project: Path, pane: Pane) -> None:
    pane.wait_for("Reviewing [1/19]")
    pane.keys("d")
    matches_snapshot("diff-new", pane.wait_for("new test: no item with this id"), project)


def test_accept_all_remaining_and_reject_all_remaining(project: Path, pane: Pane) -> None:
    pane.wait_for("Reviewing [1/19]")
    pane.keys("s", "R")
    pane.wait_for("reason for rejecting all 18")
    pane.type("not this release")
    pane.keys("Enter")
    pane.wait_for("accepted 0  rejected 18  skipped 1")
    pane.keys("Enter")
    rows = listed(project)
    assert sorted(r["status"] for r in rows.values()).count("rejected") == 18
    assert rows[FIRST]["status"] == "pending"


def test_jump_to_an_id_and_filters(project: Path) -> None:
    pane = Pane(review_command(project, "--kind", "regression"), cwd=project, env={})
    try:
        pane.wait_for("Reviewing [1/3]")
        pane.keys("g")
        pane.wait_for("go to id:")
        pane.type("de00b3")
        pane.keys("Enter")
        assert "pw-de00b34cb1b365f1" in pane.wait_for("Reviewing [3/3]").splitlines()[0]
    finally:
        pane.close()


def test_provenance_names_the_changes_by_rule_and_level(project: Path, pane: Pane) -> None:
    pane.wait_for("Reviewing [1/19]")
    pane.keys("s")
    screen = pane.wait_for("Reviewing [2/19]")
    # the main screen names the changes as the run stored them: rule id and level, no re-diff
    lines = screen.splitlines()
    assert "  change request-parameter-enum-value-added (info)" in lines
    assert "  change request-parameter-enum-value-removed (error)" in lines
    matches_snapshot("change-derived", screen, project)
    pane.keys("i")
    shown = pane.wait_for("intent:")
    changes = [line for line in shown.splitlines() if line.startswith("  change ")]
    assert len(changes) == 2 and all(
        re.match(r"  change [a-z-]+ \((error|warning|info)\) GET /pets", c) for c in changes
    )
    matches_snapshot("info-change", shown, project)


@pytest.mark.parametrize("now", [1, 5])
def test_held_counts_the_runs_the_run_verified_with_not_todays_config(project: Path, now: int) -> None:
    """The run verified in 3 sandbox runs; `[sandbox] runs` changed since does not change "held 3/3"."""
    config = project / "postwright.toml"
    config.write_text(config.read_text() + f"\n[sandbox]\nruns = {now}\n")
    pane = Pane(review_command(project), cwd=project, env={})
    try:
        lines = pane.wait_for("Reviewing [1/19]").splitlines()
        assert "check: passed  sandbox: held 3/3" in lines
    finally:
        pane.close()
