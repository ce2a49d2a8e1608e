"""pytest fixtures: one stand-in and one loaded contract per session, a clean GitHub per test."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from tests.github.standin.contract import Contract, missing
from tests.github.standin.control import GitHubStandIn


@pytest.fixture(scope="session")
def github_contract() -> Contract:
    """api.github.com.json, loaded once with postwright's loader (skips without `make github-env`)."""
    why = missing()
    if why:
        pytest.skip(why)
    return shared_contract()


@functools.cache
def shared_contract() -> Contract:
    # One load per process even when several folders' conftests import these fixtures.
    return Contract.load()


@pytest.fixture(scope="session")
def github_server(github_contract: Contract) -> Iterator[GitHubStandIn]:
    """The stand-in's server, started once per session on a free port of 127.0.0.1."""
    standin = GitHubStandIn()
    standin.server.observe(github_contract.observe)
    yield standin
    standin.close()


@pytest.fixture
def github(github_server: GitHubStandIn, github_contract: Contract) -> Iterator[GitHubStandIn]:
    """A clean GitHub for one test; the test fails at teardown if any exchange broke the contract."""
    github_server.reset()
    github_contract.take()
    yield github_server
    found = github_contract.take()
    assert not found, "the GitHub contract was broken:\n" + "\n".join(found[:20])
