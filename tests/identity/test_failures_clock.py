"""A token the clocks make unusable is refused before it is sent, with the fix named; one whose
life counts on our own clock (expires_in) or that is inside the leeway is not (pure: a fake source)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from agent.identity.token import AccessToken, IdentityError, TokenCache, from_value
from agent.runner.credentials import TargetToken

NOW = 1_800_000_000.0


def _jwt(**claims: Any) -> str:
    """A JWT-shaped value made at test time (never verified here: only its claims are read)."""
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


class _Source:
    name = "client-credentials"

    def __init__(self, value: str, expires_in: float | None = 300, env_var: str | None = None) -> None:
        self.value, self.expires_in = value, expires_in
        if env_var:
            self.env_var = env_var

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        return from_value(self.value, audience, scopes, expires_in=self.expires_in)


def _provider(source: _Source) -> TargetToken:
    return TargetToken(TokenCache(source, clock=lambda: NOW), target="target 'api'", clock=lambda: NOW)


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"exp": NOW - 1}, "the token had expired 1 s before it arrived"),
        ({"exp": NOW - 3600, "iat": NOW - 3605}, "the token had expired 3600 s before it arrived"),
        ({"exp": NOW + 3660, "iat": NOW + 3600}, "the token is valid only from 3600 s after it arrived"),
        ({"exp": NOW + 600, "nbf": NOW + 120}, "the token is valid only from 120 s after it arrived"),
        ({"exp": NOW + 600, "nbf": NOW - 5, "iat": NOW + 61}, "valid only from 61 s"),
    ],
)
def test_a_token_the_clocks_make_unusable_is_refused(claims: dict[str, Any], expected: str) -> None:
    provider = _provider(_Source(_jwt(**claims)))
    with pytest.raises(IdentityError) as caught:
        provider.token()
    message = str(caught.value)
    assert message.startswith("token source 'client-credentials': ") and expected in message
    assert "synchronise them (NTP)" in message and "it was not sent to target 'api'" in message
    assert len(message.splitlines()) == 1


@pytest.mark.parametrize(
    ("value", "expires_in"),
    [
        (_jwt(exp=NOW + 5, iat=NOW), 5),  # a short token, in time
        (_jwt(exp=NOW + 600, iat=NOW + 59), 600),  # ahead, within the leeway
        (_jwt(sub="no-times"), None),  # a JWT without times
        ("opaque-" + "x" * 20, 0),  # expires_in counts on our clock: no skew to speak of
        ("opaque-" + "y" * 20, None),
    ],
)
def test_a_token_the_clocks_agree_on_is_handed_out(value: str, expires_in: float | None) -> None:
    provider = _provider(_Source(value, expires_in))
    assert provider.token() == value


def test_an_expired_token_from_the_environment_names_the_variable() -> None:
    provider = _provider(_Source(_jwt(exp=NOW - 90), None, env_var="PW_API_TOKEN"))
    with pytest.raises(IdentityError) as caught:
        provider.token()
    assert "the token in PW_API_TOKEN expired 90 s ago; put a fresh one there" in str(caught.value)
    assert "NTP" not in str(caught.value)
