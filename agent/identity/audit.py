"""The identity audit trail: one event per token issued, refreshed, refused or failed to get.

An event names the token by a keyed fingerprint (HMAC-SHA256 under a per-installation key),
never by its value: a plain hash of a short static token could be recovered by guessing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

Outcome = Literal["issued", "refreshed", "refused", "failed"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
FINGERPRINT_CHARS = 32  # 128 bits of the HMAC: tells tokens apart, and is all that is stored
SHOWN_CHARS = 12  # what a table shows of it

AuditCallback = Callable[["AuditEvent"], None]
Fingerprint = Callable[[str], str]


class AuditEvent(BaseModel):
    """One use of an identity: what was asked, what came back (described, never the value), when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: Outcome
    source: str  # the token source's kind (``env``, ``client-credentials`` …)
    at: datetime
    run_id: str | None = None  # filled in by whoever records the event (the cache does not know it)
    target: str | None = None  # the target's name (or masked URL), filled in likewise
    client_id: str | None = None
    subject: str | None = None
    audience: tuple[str, ...] = ()  # the token's own audiences, else the one asked for
    scopes: tuple[str, ...] = ()
    expires_at: datetime | None = None
    fingerprint: str | None = None  # keyed hash of the value; None when there was no token
    reason: str | None = None  # one line, for ``refused`` and ``failed``


def fingerprint(key: bytes, value: str) -> str:
    """The keyed fingerprint of a token value (hex, ``FINGERPRINT_CHARS`` long)."""
    if len(key) < 16:
        raise ValueError("an audit key needs at least 16 bytes")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:FINGERPRINT_CHARS]


def keyed(key: bytes) -> Fingerprint:
    """The fingerprint function for one key."""
    return lambda value: fingerprint(key, value)


# Without an installation's key (a cache nobody audits, a test): a key of this process only, so
# a fingerprint is still keyed, and tells tokens apart within the process.
_PROCESS_KEY = secrets.token_bytes(32)
ephemeral: Fingerprint = keyed(_PROCESS_KEY)


def one_line(text: str, limit: int = 300) -> str:
    """A reason as stored: the first line, capped."""
    line = (text.strip().splitlines() or [""])[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"
