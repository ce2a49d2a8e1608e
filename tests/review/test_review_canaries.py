"""Only boundary output is shown: secret-shaped canaries planted in a real run's spec and logs
appear on no review screen (each test's main screen, provenance, diff, help), nor in --list."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.review.kit import canaries, cli, review_command
from tests.review.tmux import Pane

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def test_no_screen_shows_a_planted_secret(project: Path) -> None:
    planted = canaries(project)
    assert len(planted) >= 6
    screens: list[str] = []
    pane = Pane(review_command(project), cwd=project, env={})
    try:
        for index in range(1, 20):
            screens.append(pane.wait_for(f"Reviewing [{index}/19]"))
            for key in ("i", "d", "?"):  # provenance, the diff, help: each a page
                pane.keys(key)
                screens.append(pane.wait_for("-- more", "-- any key"))
                pane.keys("q")
                pane.wait_for(f"Reviewing [{index}/19]")
            pane.keys("s")
        screens.append(pane.wait_for("[exit 0]", "[y/N]"))
    finally:
        pane.close()
    screens += [cli(project, "review", "--list", "--json").stdout, cli(project, "review", "--list").stdout]
    seen = "\n".join(screens)
    assert "Reviewing [19/19]" in seen and "intent:" in seen and "keys:" in seen
    leaked = [kind for kind, value in planted.items() if value in seen or value[:12] in seen]
    assert not leaked, f"planted secrets on screen: {leaked}"
