"""Rows of the identity audit (``identity_audit``, m005): one per token issued, refreshed, refused
or failed, with a keyed fingerprint of the token, never its value."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from agent.identity.audit import AuditEvent
from agent.store.rows import dumps
from agent.urls import mask_urls

_COLUMNS = (
    "run_id, at, target, source, client_id, subject, audience, scopes, expires_at, fingerprint,"
    " outcome, reason"
)
INSERT = f"INSERT INTO identity_audit ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
SELECT = f"SELECT {_COLUMNS} FROM identity_audit"


def values(event: AuditEvent) -> tuple[object, ...]:
    """The row for ``event``; URLs in the target, audiences and reason are masked like every URL stored."""
    return (
        event.run_id,
        _time(event.at),
        mask_urls(event.target) if event.target else None,
        event.source,
        event.client_id,
        event.subject,
        dumps([mask_urls(a) for a in event.audience]),
        dumps(list(event.scopes)),
        _time(event.expires_at) if event.expires_at else None,
        event.fingerprint,
        event.outcome,
        mask_urls(event.reason) if event.reason else None,
    )


def event(row: sqlite3.Row) -> AuditEvent:
    """The event a row holds."""
    return AuditEvent(
        run_id=row["run_id"],
        at=datetime.fromisoformat(row["at"]),
        target=row["target"],
        source=row["source"],
        client_id=row["client_id"],
        subject=row["subject"],
        audience=tuple(json.loads(row["audience"])),
        scopes=tuple(json.loads(row["scopes"])),
        expires_at=datetime.fromisoformat(row["expires_at"]) if row["expires_at"] else None,
        fingerprint=row["fingerprint"],
        outcome=row["outcome"],
        reason=row["reason"],
    )


def _time(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")
