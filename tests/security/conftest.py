"""Fixtures of the adversarial suite: the attacker's listener and the user's own target."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.attack_kit import Recorder


@pytest.fixture
def listener() -> Iterator[Recorder]:
    """The attacker's server: a test passes only if it hears nothing."""
    server = Recorder()
    yield server
    server.close()


@pytest.fixture
def target() -> Iterator[Recorder]:
    """The user's API, where their credentials belong."""
    server = Recorder(answer={"id": 1, "name": "x"})
    yield server
    server.close()
