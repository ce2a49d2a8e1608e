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
from agent.identity.audit import AuditCallback, AuditEvent, Fingerprint, Outcome, ephemeral, one_line

REFRESH_AT = 0.8  # share of a token's life after which the cache asks for a new one


class IdentityError(ConfigError):
    """A token source could not give a token; the message names the source and what to fix (exit 2)."""


class IdentityLost(IdentityError):
    """A token source failed after part of a run was done: ``partial`` is what was collected
    (a ``ports.VerifyResult``), kept by whoever catches it before the run exits 2."""

    def __init__(self, message: str, partial: Any) -> None:
        super().__init__(message)
        self.partial = partial


class AccessToken(BaseModel):
    """A bearer token as a source issued it; the value never appears in a repr or a dump."""

    model_config = ConfigDict(frozen=True)

    value: SecretStr
    expires_at: datetime | None = None  # None: the source does not know (a static token)
    token_type: str = "Bearer"
    subject: str | None = None
    scopes: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()  # the audiences the token names (JWT ``aud``), else those asked for

    def variables(self, token_var: str) -> dict[str, SecretStr | str]:
        """The collection variables this credential fills at run time (a SecretStr is a secret,
        masked in every output): a bearer token fills ``token_var``."""
        return {token_var: self.value}


class Source(Protocol):
    """``ports.TokenSource``, repeated here so the cache needs nothing from ``ports``."""

    @property
    def name(self) -> str: ...

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken: ...


class TokenCache:
    """Tokens of one source per (audience, scopes), in memory only, renewed at 80% of their life.

    ``valid_for`` asks for a token that outlives the coming work (a run's batch); ``refused``
    (a 401) drops a token so the next call asks the source again. ``on_event`` hears of every
    token issued, refreshed (it replaced a held one), refused, and every failure of the source,
    before the token is handed out: an event it cannot record stops the token from being used.
    ``fingerprint`` names a token in those events (a keyed hash; by default under a key of this
    process only).
    """

    def __init__(
        self,
        source: Source,
        *,
        clock: Callable[[], float] = time.time,
        on_event: AuditCallback | None = None,
        fingerprint: Fingerprint = ephemeral,
    ) -> None:
        self.source = source
        self.on_event = on_event
        self.fingerprint = fingerprint
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[tuple[str | None, tuple[str, ...]], tuple[AccessToken, float]] = {}

    def token(self, audience: str | None, scopes: tuple[str, ...], *, valid_for: float = 0.0) -> AccessToken:
        key = (audience, tuple(sorted(scopes)))
        with self._lock:
            held = self._held.get(key)
            if held is None or self._stale(*held, valid_for):
                held = (self._ask(audience, key[1], replacing=held is not None), self._clock())
                self._held[key] = held
            return held[0]

    def refused(
        self, audience: str | None, scopes: tuple[str, ...], *, reason: str = "the target answered 401"
    ) -> None:
        """The target answered 401 with this token (or it may not be sent): forget it."""
        with self._lock:
            held = self._held.pop((audience, tuple(sorted(scopes))), None)
            if held is not None:
                self._report("refused", audience, scopes, held[0], reason)

    def _ask(self, audience: str | None, scopes: tuple[str, ...], *, replacing: bool) -> AccessToken:
        """A new token from the source, reported (a failure too: it names what to fix)."""
        try:
            issued = self.source.token(audience, scopes)
        except Exception as exc:
            # an IdentityError's message is ours (one line, no secret); anything else only by its type
            why = str(exc) if isinstance(exc, IdentityError) else f"the source raised {type(exc).__name__}"
            self._report("failed", audience, scopes, None, why)
            raise
        self._report("refreshed" if replacing else "issued", audience, scopes, issued)
        return issued

    def _report(
        self,
        outcome: Outcome,
        audience: str | None,
        scopes: tuple[str, ...],
        token: AccessToken | None,
        reason: str | None = None,
    ) -> None:
        if self.on_event is None:
            return
        client_id = getattr(self.source, "client_id", None)
        asked = (audience,) if audience else ()
        self.on_event(
            AuditEvent(
                outcome=outcome,
                source=self.source.name,
                at=datetime.fromtimestamp(self._clock(), tz=UTC),
                client_id=client_id if isinstance(client_id, str) else None,
                subject=token.subject if token else None,
                audience=(token.audience or asked) if token else asked,
                scopes=token.scopes if token else scopes,
                expires_at=token.expires_at if token else None,
                fingerprint=self.fingerprint(token.value.get_secret_value()) if token else None,
                reason=one_line(reason) if reason else None,
            )
        )

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
