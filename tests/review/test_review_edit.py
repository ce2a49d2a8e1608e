"""`e` with a scripted $EDITOR: a valid edit is checked, verified in the sandbox and stored; each
kind of broken edit (bad JSON, an undeclared status, a refused script call, a test that fails when
run) is shown and not stored; an unchanged file changes nothing."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.review.kit import listed, matches_snapshot, review_command
from tests.review.tmux import Pane

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

EDITOR = f"{sys.executable} {Path(__file__).with_name('editor.py')}"
FIRST = "pw-088907c4c42c71b5"


def _item(project: Path) -> dict[str, object]:
    with sqlite3.connect(project / ".postwright" / "state.db") as db:
        (text,) = db.execute("SELECT item FROM proposals WHERE id = ?", (FIRST,)).fetchone()
    item: dict[str, object] = json.loads(text)
    return item


def _edit(project: Path, modes: list[str]) -> list[str]:
    """Open review, edit the first test once per mode; the screens after each edit."""
    mode_file = project / "edit-mode"
    pane = Pane(review_command(project), cwd=project, env={"EDITOR": EDITOR, "PW_EDIT_MODE": str(mode_file)})
    screens = []
    try:
        pane.wait_for("Reviewing [1/19]")
        for mode in modes:
            mode_file.write_text(mode)
            pane.keys("e")
            shown = pane.wait_for(
                "edit saved", "edit NOT saved", "edit not saved", "edit: nothing", timeout=90
            )
            if "NOT saved" in shown:  # the page listing what failed, then back to the test
                screens.append(shown)
                pane.keys("q")
                shown = pane.wait_for("Reviewing [1/19]")
            screens.append(shown)
        pane.keys("q")
        pane.wait_for("[exit 0]")  # nothing accepted: no publish question
    finally:
        pane.close()
    return screens


def test_a_valid_edit_is_checked_verified_and_stored(project: Path) -> None:
    before = _item(project)
    screens = _edit(project, ["valid"])
    matches_snapshot("edit-saved", screens[-1], project)
    assert "edit saved: it passed the checks and the sandbox" in screens[-1]
    assert 'pm.test("status is 200 (checked by hand)"' in screens[-1]
    after = _item(project)
    assert after != before and "checked by hand" in json.dumps(after)
    assert listed(project)[FIRST]["status"] == "pending"  # edited, not decided


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("json", "the request is not valid JSON"),
        ("status", "status-undeclared"),
        ("policy", "sendRequest"),
        ("sandbox", "never true"),
    ],
)
def test_a_broken_edit_is_shown_and_not_stored(project: Path, mode: str, says: str) -> None:
    before = _item(project)
    failed, back = _edit(project, [mode])
    assert "edit NOT saved; it failed:" in failed and says in failed, failed
    assert "edit not saved:" in back
    if mode == "status":
        matches_snapshot("edit-refused", failed, project)
    assert _item(project) == before


def test_an_unchanged_file_changes_nothing(project: Path) -> None:
    before = _item(project)
    (screen,) = _edit(project, ["same"])
    assert "edit: nothing changed" in screen
    assert _item(project) == before
