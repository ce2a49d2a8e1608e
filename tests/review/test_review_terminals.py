"""Terminals: 80×24 is what every pane here is; NO_COLOR leaves no colour; TERM=dumb gets plain
line prompts (no terminal at all: test_review_cli)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.review.kit import listed, review_command
from tests.review.tmux import HEIGHT, WIDTH, Pane

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SGR = re.compile(r"\x1b\[([0-9;]*)m")
COLOURS = {*range(30, 38), 38, *range(40, 48), 48, *range(90, 98), *range(100, 108)}  # not 39/49: resets


def _coloured(screen: str) -> bool:
    """Whether any escape sequence on the screen sets a colour (bold and dim are not colours)."""
    return any(int(p) in COLOURS for m in SGR.finditer(screen) for p in m.group(1).split(";") if p)


def _screen(project: Path, env: dict[str, str]) -> str:
    pane = Pane(review_command(project), cwd=project, env=env)
    try:
        pane.wait_for("Reviewing [1/19]")
        return pane.screen(colours=True)
    finally:
        pane.close()


def test_no_color_leaves_no_colour_and_colour_is_there_without_it(project: Path) -> None:
    assert _coloured(_screen(project, {}))  # the script is highlighted
    assert not _coloured(_screen(project, {"NO_COLOR": "1"}))


def test_every_screen_fits_80_by_24(project: Path) -> None:
    pane = Pane(review_command(project), cwd=project, env={})
    try:
        for index in range(1, 20):
            shown = pane.wait_for(f"Reviewing [{index}/19]")
            lines = shown.split("\n")
            assert lines[0].startswith("Reviewing") and len(lines) <= HEIGHT
            assert max(len(line) for line in lines) <= WIDTH
            assert lines[-2].startswith("a accept") or lines[-1].startswith("a accept")
            pane.keys("s")
    finally:
        pane.close()


def test_a_dumb_terminal_gets_line_prompts(project: Path) -> None:
    pane = Pane(["env", "TERM=dumb", *review_command(project)], cwd=project, env={})
    try:
        pane.wait_for("choice [a/r/s/e/d/i/A/R/S/g/?/q, Enter accepts]:")
        pane.type("a")
        pane.keys("Enter")
        pane.wait_for("Reviewing [2/19]")
        pane.type("r")
        pane.keys("Enter")
        pane.wait_for("reason (one line")
        pane.type("duplicate of a human test")
        pane.keys("Enter")
        pane.wait_for("Reviewing [3/19]")
        pane.type("q")
        pane.keys("Enter")
        pane.wait_for("publish 1 accepted now? [y/N]")
        pane.keys("Enter")
        assert not _coloured(pane.screen(colours=True))
        pane.wait_for("[exit 0]")
    finally:
        pane.close()
    rows = listed(project)
    assert rows["pw-088907c4c42c71b5"]["status"] == "accepted"
    assert rows["pw-22d6414e2f39e70a"]["decision"]["reason"] == "duplicate of a human test"
