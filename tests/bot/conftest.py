"""tests/bot's fixtures: the GitHub stand-in's, and ``world`` (tests/bot/world.py) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot import payloads
from tests.bot.world import World, prepare
from tests.github.standin.control import GitHubStandIn
from tests.github.standin.fixtures import github, github_contract, github_server  # noqa: F401


@pytest.fixture
def world(github: GitHubStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:  # noqa: F811
    why = payloads.missing()
    if why:
        pytest.skip(why)
    monkeypatch.delenv("POSTWRIGHT_STATE_DIR", raising=False)  # the state is the world's own: root/.pw
    found, env = prepare(github, tmp_path / "bot")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield found
    for server in found.servers:
        if server.thread.is_alive():
            server.stop()
