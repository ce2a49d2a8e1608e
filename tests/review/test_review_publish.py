"""At the end of a review, "publish N accepted now? [y/N]" publishes through the configured
publisher (a local git repository): the branch holds exactly the accepted tests, which become
`published`; answering no keeps them accepted."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.review.kit import COLLECTION, REVIEWER, listed, matches_snapshot, review_command
from tests.review.tmux import Pane

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def _branches(repo: Path) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(repo), "for-each-ref", "--format=%(refname:short)", "refs/heads/postwright/"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def test_publish_the_accepted_tests_at_the_end(project: Path) -> None:
    pane = Pane(review_command(project), cwd=project, env={})
    try:
        pane.wait_for("Reviewing [1/19]")
        pane.keys("a")
        pane.wait_for("Reviewing [2/19]")
        pane.keys("Enter")  # Enter accepts too
        pane.wait_for("Reviewing [3/19]")
        pane.keys("S")
        pane.wait_for("publish 2 accepted now? [y/N]")
        pane.keys("y", "Enter")
        matches_snapshot("published", pane.wait_for("[exit 0]", timeout=60), project)
    finally:
        pane.close()
    rows = listed(project)
    published = sorted(i for i, r in rows.items() if r["status"] == "published")
    assert published == ["pw-088907c4c42c71b5", "pw-22d6414e2f39e70a"]
    assert all(rows[i]["decision"]["actor"] == REVIEWER for i in published)
    (branch,) = _branches(project / "repo")
    shown = subprocess.run(
        ["git", "-C", str(project / "repo"), "show", f"{branch}:{COLLECTION}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ids = {i.get("id") for folder in json.loads(shown)["item"] for i in [folder, *folder.get("item", [])]}
    assert set(published) <= ids
    assert not {i for i, r in rows.items() if r["status"] == "pending"} & ids  # skipped ones stay out


def test_answering_no_keeps_them_accepted(project: Path) -> None:
    pane = Pane(review_command(project), cwd=project, env={})
    try:
        pane.wait_for("Reviewing [1/19]")
        pane.keys("a", "q")
        pane.wait_for("publish 1 accepted now? [y/N]")
        pane.keys("Enter")
        pane.wait_for("[exit 0]")
    finally:
        pane.close()
    assert listed(project)["pw-088907c4c42c71b5"]["status"] == "accepted"
    assert _branches(project / "repo") == []
