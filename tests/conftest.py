"""Test harness: every test gets its own HOME and state dir, and may only talk to loopback."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# One real Airflow per session for every folder that needs it (tests/airflow, tests/identity), and
# one PostgreSQL cluster (fixtures postgres, pg_env) for the store and the Airflow workers.
pytest_plugins = ["tests.airflow.session", "tests.postgres_kit"]

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


class OutboundConnection(AssertionError):
    """A test tried to reach something other than loopback."""


ATTEMPTS: list[str] = []


def _is_local(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        ATTEMPTS.append(repr(address))
        raise OutboundConnection(f"outbound connection attempted to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        ATTEMPTS.append(repr(address))
        raise OutboundConnection(f"outbound connection attempted to {address!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and not _is_local((name,)) and name not in ("localhost",):
        ATTEMPTS.append(f"dns:{name}")
        raise OutboundConnection(f"DNS lookup attempted for {name!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any test that connects anywhere but loopback (in this process)."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)
    start = len(ATTEMPTS)
    yield ATTEMPTS
    leaked = ATTEMPTS[start:]
    assert not leaked, f"outbound connection attempts: {leaked}"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME, XDG dirs and the state dir point into a temp dir; the user's home is never written."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("POSTWRIGHT_STATE_DIR", str(home / "state"))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def examples_dir() -> Path:
    """The bundled demo example."""
    return Path(__file__).resolve().parents[1] / "agent" / "examples" / "demo"
