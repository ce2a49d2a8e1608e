"""The GitHub stand-in's fixtures, and an HTTP client for the tests of the stand-in itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.github.standin.control import GitHubStandIn
from tests.github.standin.fixtures import github, github_contract, github_server  # noqa: F401

Client = Callable[..., httpx.Client]


@pytest.fixture
def client(github: GitHubStandIn) -> Iterator[Client]:  # noqa: F811 - the fixture imported above
    """``client(credential)``: an httpx client on the stand-in sending ``Authorization: Bearer``."""
    opened: list[httpx.Client] = []

    def make(credential: str | None = None, scheme: str = "Bearer") -> httpx.Client:
        headers = {"Accept": "application/vnd.github+json"}
        if credential is not None:
            headers["Authorization"] = f"{scheme} {credential}"
        opened.append(httpx.Client(base_url=github.url, headers=headers, timeout=10))
        return opened[-1]

    yield make
    for c in opened:
        c.close()
