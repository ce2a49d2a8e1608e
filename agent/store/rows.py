"""Rows of the state database: JSON encoding, URL masking and the proposal upsert."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, get_args

from agent.models import Drift, Finding, Proposal, ProposalStatus
from agent.store.dialect import Executor
from agent.store.records import StoredProposal
from agent.urls import mask_urls

STATUSES: frozenset[str] = frozenset(get_args(ProposalStatus))
# Human decisions a later run must not overwrite.
DECIDED = frozenset({"accepted", "rejected", "published"})
SYSTEM_ACTOR = "postwright"


def utc_now() -> str:
    """The time as stored: ISO 8601, UTC, microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


DECISION_INSERT = "INSERT INTO decisions (proposal_id, actor, status, reason, at) VALUES (?, ?, ?, ?, ?)"


def dumps(value: Any) -> str:
    """Canonical JSON; raises TypeError for anything that is not plain JSON data."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"store accepts only JSON-serialisable data: {exc}") from None


def masked(value: Any) -> Any:
    """Plain JSON data with every URL in its strings masked (userinfo, secret query values)."""
    if isinstance(value, str):
        return mask_urls(value)
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


def put_proposals(db: Executor, run_id: str, checked: Sequence[Proposal]) -> None:
    """Insert or refresh proposals in the open transaction; a human decision is kept."""
    now = utc_now()
    known: dict[str, str] = {}
    ids = [p.id for p in checked]
    for start in range(0, len(ids), 500):  # SQLite binds at most 999 parameters
        batch = ids[start : start + 500]
        marks = ",".join("?" * len(batch))
        known.update(db.execute(f"SELECT id, status FROM proposals WHERE id IN ({marks})", batch))
    inserts, updates, decisions = [], [], []
    for p in checked:
        before = known.get(p.id)
        if before in DECIDED:
            continue
        values = (
            run_id,
            p.intent.fingerprint,
            p.generator,
            p.intent.operation,
            p.status,
            dumps(p.item),
            dumps([f.model_dump(mode="json") for f in p.findings]),
            dumps({"intent": p.intent.model_dump(mode="json")}),
            dumps(p.drift.model_dump(mode="json")) if p.drift else None,
            p.catches_old,
        )
        if before is None:
            inserts.append((*values, p.id, now, now))
        else:
            updates.append((*values, now, p.id))
        if before != p.status:
            reason = drop_reason(p.findings) if p.status == "dropped" else "proposed"
            decisions.append((p.id, SYSTEM_ACTOR, p.status, reason, now))
        known[p.id] = p.status  # the same id twice in one call: the second is an update
    db.executemany(
        "INSERT INTO proposals (run_id, fingerprint, generator, operation, status, item,"
        " findings, provenance, drift, catches_old, id, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        inserts,
    )
    db.executemany(
        "UPDATE proposals SET run_id=?, fingerprint=?, generator=?, operation=?, status=?,"
        " item=?, findings=?, provenance=?, drift=?, catches_old=?, updated=? WHERE id=?",
        updates,
    )
    db.executemany(DECISION_INSERT, decisions)


def stored_proposal(r: sqlite3.Row) -> StoredProposal:
    return StoredProposal(
        id=r["id"],
        run_id=r["run_id"],
        fingerprint=r["fingerprint"],
        generator=r["generator"],
        operation=r["operation"],
        status=r["status"],
        item=json.loads(r["item"]),
        findings=[Finding.model_validate(f) for f in json.loads(r["findings"])],
        provenance=json.loads(r["provenance"]),
        drift=Drift.model_validate_json(r["drift"]) if r["drift"] else None,
        catches_old=None if r["catches_old"] is None else bool(r["catches_old"]),
        created=r["created"],
        updated=r["updated"],
    )


def drop_reason(findings: Sequence[Finding]) -> str:
    """A one-line reason from the error findings' codes."""
    codes = sorted({f.code for f in findings if f.severity == "error"})
    return "dropped: " + ", ".join(codes) if codes else "dropped"
