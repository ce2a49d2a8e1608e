"""The OpenID provider (one per module: starting node costs a second) and its clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.identity.oidc_kit import Clients, Provider, ResourceServer, installed

TTL = 6  # seconds: short, so a verify of a few runs outlives its first token


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Clients:
    return Clients(tmp_path_factory.mktemp("clients"))


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory, clients: Clients) -> Iterator[Provider]:
    why = installed()
    if why:
        pytest.skip(why)
    started = Provider(tmp_path_factory.mktemp("provider"), clients, TTL)
    yield started
    started.close()


@pytest.fixture
def api(provider: Provider) -> Iterator[Callable[..., ResourceServer]]:
    """Start JWT-checking APIs for a test; all are shut down after it."""
    servers: list[ResourceServer] = []

    def start(delay: float = 0.0) -> ResourceServer:
        servers.append(ResourceServer(provider, delay=delay))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def client_env(monkeypatch: pytest.MonkeyPatch, clients: Clients) -> Clients:
    """The secret client's secret in PW_IDP_SECRET (the config names the variable, never the value)."""
    monkeypatch.setenv("PW_IDP_SECRET", clients.secret)
    return clients


def folder_of(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]
