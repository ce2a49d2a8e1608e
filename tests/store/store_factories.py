"""Builders for store tests (models as the pipeline makes them)."""

from __future__ import annotations

from pathlib import Path

from agent.models import Finding, Intent, IntentKind, Proposal, ProposalStatus, fingerprint
from agent.store import SQLiteStore, open_store


def make_proposal(n: int, status: ProposalStatus = "pending", tag: str = "t") -> Proposal:
    """A small valid proposal whose id derives from its intent fingerprint."""
    fp = fingerprint(tag, n)
    intent = Intent(
        kind=IntentKind.CONTRACT,
        operation=f"GET /pets/{n}",
        path=f"/pets/{n}",
        method="GET",
        expected_status="200",
        text=f"GET /pets/{n} returns a pet",
        change_fingerprints=[fingerprint("change", n)],
        fingerprint=fp,
    )
    findings = (
        [Finding(severity="error", code="schema-mismatch", message="no")] if status == "dropped" else []
    )
    return Proposal(
        id=f"pw-{fp}",
        intent=intent,
        item={"id": f"pw-{fp}", "name": f"pet {n}", "request": {"method": "GET", "url": "{{baseUrl}}/pets"}},
        status=status,
        findings=findings,
    )


def opened(where: str) -> SQLiteStore:
    """The store a worker process is pointed at: a state dir, or a ``postgresql://`` URL."""
    return open_store(Path("."), where) if "://" in where else open_store(Path(where))
