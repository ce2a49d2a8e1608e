"""One GitLab stand-in per module; each test gets a fresh project and a clean fault queue."""

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
