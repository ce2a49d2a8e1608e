"""The GitLab stand-in's fixtures: one server per module, a fresh project and fault queue per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gitlab.server import StandIn, serve


@pytest.fixture(scope="module")
def gitlab_server() -> Iterator[StandIn]:
    with serve() as server:
        yield server


@pytest.fixture
def gitlab(gitlab_server: StandIn) -> StandIn:
    gitlab_server.clear()
    return gitlab_server
