"""An access token, the errors a token source raises, and the in-memory cache in front of a source."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, SecretStr

from agent.errors import ConfigError

REFRESH_AT = 0.8  # share of a token's life after which the cache asks for a new one


class IdentityError(ConfigError):
    """A token source could not give a token; the message names the source and what to fix (exit 2)."""


class AccessToken(BaseModel):
    """A bearer token as a source issued it; the value never appears in a repr or a dump."""

    model_config = ConfigDict(frozen=True)

    value: SecretStr
    expires_at: datetime | None = None  # None: the source does not know (a static token)
    token_type: str = "Bearer"
    subject: str | None = None
    scopes: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()  # the audiences the token names (JWT ``aud``), else those asked for


class Source(Protocol):
    """``ports.TokenSource``, repeated here so the cache needs nothing from ``ports``."""

    @property
    def name(self) -> str: ...

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken: ...


class TokenCache:
    """Tokens of one source per (audience, scopes), in memory only, renewed at 80% of their life.

    ``valid_for`` asks for a token that outlives the coming work (a run's batch); ``refused``
    (a 401) drops a token so the next call asks the source again.
    """

    def __init__(self, source: Source, *, clock: Callable[[], float] = time.time) -> None:
        self.source = source
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[tuple[str | None, tuple[str, ...]], tuple[AccessToken, float]] = {}

    def token(self, audience: str | None, scopes: tuple[str, ...], *, valid_for: float = 0.0) -> AccessToken:
        key = (audience, tuple(sorted(scopes)))
        with self._lock:
            held = self._held.get(key)
            if held is None or self._stale(*held, valid_for):
                held = (self.source.token(audience, key[1]), self._clock())
                self._held[key] = held
            return held[0]

    def refused(self, audience: str | None, scopes: tuple[str, ...]) -> None:
        """The target answered 401 with this token: forget it."""
        with self._lock:
            self._held.pop((audience, tuple(sorted(scopes))), None)

    def _stale(self, token: AccessToken, issued: float, valid_for: float) -> bool:
        if token.expires_at is None:
            return False
        expires = token.expires_at.timestamp()
        now = self._clock()
        renew_at = issued + REFRESH_AT * max(0.0, expires - issued)
        return now >= renew_at or now + valid_for >= expires

    def __repr__(self) -> str:
        return f"TokenCache(source={self.source.name!r}, held={len(self._held)})"


def expiry(seconds: float | None, *, clock: Callable[[], float] = time.time) -> datetime | None:
    """``expires_in`` seconds from now as an aware datetime (None stays None)."""
    return None if seconds is None else datetime.fromtimestamp(clock() + float(seconds), tz=UTC)


def from_value(
    value: str,
    audience: str | None,
    scopes: tuple[str, ...],
    *,
    expires_in: Any,
    subject: str | None = None,
) -> AccessToken:
    """An ``AccessToken`` for a value; a JWT's own ``exp``, ``aud`` and ``sub`` (read, not verified:
    the target verifies) win over what the token endpoint said, so the cache and the audience
    check see what the target will."""
    claims = peek_claims(value)
    seconds = _number(expires_in)
    exp = _number(claims.get("exp"))
    expires_at = datetime.fromtimestamp(exp, tz=UTC) if exp is not None else expiry(seconds)
    aud = claims.get("aud")
    listed = aud if isinstance(aud, list) else [aud]
    named = tuple(a for a in listed if isinstance(a, str))
    sub = claims.get("sub")
    return AccessToken(
        value=SecretStr(value),
        expires_at=expires_at,
        subject=sub if isinstance(sub, str) else subject,
        scopes=scopes,
        audience=named or ((audience,) if audience else ()),
    )


def peek_claims(value: str) -> dict[str, Any]:
    """A JWT's payload claims, unverified; {} for anything that is not a JWT."""
    parts = value.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None
