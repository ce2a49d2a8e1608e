"""The in-memory token cache: renewed at 80% of a token's life, before a run it would not outlive,
and after a 401; one token per (audience, scopes); the value never in a repr."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.identity.client_credentials import ClientCredentials
from agent.identity.env import EnvToken
from agent.identity.token import AccessToken, IdentityError, TokenCache, from_value, peek_claims
from agent.ports import TokenSource
from agent.runner.credentials import TargetToken


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Counting:
    """A source whose tokens live ``life`` seconds by ``clock``; it counts what it issued."""

    name = "counting"

    def __init__(self, clock: Clock, life: float | None, aud: str | None = None) -> None:
        self.clock, self.life, self.aud, self.issued = clock, life, aud, 0

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        self.issued += 1
        expires = None if self.life is None else datetime.fromtimestamp(self.clock() + self.life, tz=UTC)
        named = (self.aud,) if self.aud else ((audience,) if audience else ())
        value = f"tok-{self.issued}-" + secrets.token_hex(8)
        return AccessToken(value=value, expires_at=expires, scopes=scopes, audience=named)  # type: ignore[arg-type]


def _jwt(claims: dict[str, object]) -> str:
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return "e30." + part + ".c2ln"  # header {}, a fake signature: only the claims are read


def test_sources_satisfy_the_port() -> None:
    sources: list[TokenSource] = [EnvToken("X"), ClientCredentials("http://127.0.0.1:9/t", "a", None, "S")]
    assert [s.name for s in sources] == ["env", "client-credentials"]


@pytest.mark.parametrize(
    ("life", "elapsed", "renewed"),
    [
        (100, 79, False),
        (100, 80, True),
        (5, 3.9, False),
        (5, 4.0, True),
        (3600, 2000, False),
        (None, 1e9, False),
    ],
)
def test_renewed_once_80_percent_of_its_life_has_passed(
    life: float | None, elapsed: float, renewed: bool
) -> None:
    clock = Clock()
    source = Counting(clock, life)
    cache = TokenCache(source, clock=clock)
    first = cache.token("aud", ("a",))
    clock.now += elapsed
    again = cache.token("aud", ("a",))
    assert (again != first) is renewed and source.issued == 1 + renewed


@pytest.mark.parametrize(
    ("valid_for", "renewed"), [(0, False), (30, False), (59, False), (60, True), (600, True)]
)
def test_renewed_when_the_coming_work_would_outlive_it(valid_for: float, renewed: bool) -> None:
    clock = Clock()
    source = Counting(clock, 100)
    cache = TokenCache(source, clock=clock)
    cache.token(None, ())
    clock.now += 40
    cache.token(None, (), valid_for=valid_for)
    assert source.issued == 1 + renewed


def test_one_token_per_audience_and_scopes_and_a_401_drops_only_its_own() -> None:
    clock = Clock()
    source = Counting(clock, 100)
    cache = TokenCache(source, clock=clock)
    a = cache.token("https://a.test/", ("read", "write"))
    b = cache.token("https://b.test/", ("read", "write"))
    assert a != b and cache.token("https://a.test/", ("write", "read")) == a  # scopes in any order
    cache.refused("https://a.test/", ("read", "write"))
    assert cache.token("https://a.test/", ("read", "write")) != a
    assert cache.token("https://b.test/", ("read", "write")) == b and source.issued == 3
    assert "tok-" not in repr(cache) + repr(a)


def test_a_static_token_is_read_again_after_a_401(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = "t1" + secrets.token_hex(8), "t2" + secrets.token_hex(8)
    monkeypatch.setenv("PW_T", first)
    provider = TargetToken(TokenCache(EnvToken("PW_T")))
    assert provider.token() == first
    monkeypatch.setenv("PW_T", second)  # rotated in the environment
    assert provider.token() == first  # no expiry known: kept until refused
    provider.refused()
    assert provider.token() == second


@pytest.mark.parametrize(
    ("issued_for", "asked", "sent"),
    [("https://a.test/", "https://a.test/", True), ("https://other.test/", "https://a.test/", False),
     (None, "https://a.test/", True), ("https://other.test/", None, True)],
)  # fmt: skip
def test_a_token_for_another_audience_is_never_handed_out(
    issued_for: str | None, asked: str | None, sent: bool
) -> None:
    clock = Clock()
    provider = TargetToken(TokenCache(Counting(clock, 100, issued_for), clock=clock), asked, (), "target 'a'")
    if sent:
        assert provider.token().startswith("tok-")
    else:
        with pytest.raises(IdentityError, match="issued a token for https://other.test/.*not sent"):
            provider.token()


@pytest.mark.parametrize(
    ("value", "claims"),
    [
        (_jwt({"aud": "x", "exp": 5}), {"aud": "x", "exp": 5}),
        ("opaque-" + "a" * 20, {}),
        ("a.b.c", {}),
        ("e30.W10.c2ln", {}),  # a JSON list, not claims
        ("e30.!!!.c2ln", {}),
    ],
)
def test_peek_claims_never_raises(value: str, claims: dict[str, object]) -> None:
    assert peek_claims(value) == claims


@pytest.mark.parametrize(
    ("claims", "audience", "expected_aud", "expires"),
    [
        ({"aud": ["a", "b", 3], "exp": 2_000_000_000, "sub": "svc"}, "a", ("a", "b"), 2_000_000_000),
        ({"aud": 7}, "asked", ("asked",), None),
        ({}, None, (), None),
    ],
)
def test_a_jwts_own_claims_win(
    claims: dict[str, object], audience: str | None, expected_aud: tuple[str, ...], expires: int | None
) -> None:
    token = from_value(_jwt(claims), audience, ("s",), expires_in=None, subject="client")
    assert token.audience == expected_aud and token.subject == claims.get("sub", "client")
    assert (token.expires_at.timestamp() if token.expires_at else None) == expires


def test_env_source_explains_a_missing_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PW_NOT_SET", raising=False)
    with pytest.raises(IdentityError, match="token source 'env': environment variable PW_NOT_SET is not set"):
        EnvToken("PW_NOT_SET").token(None, ())
