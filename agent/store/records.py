"""Typed rows the store hands back to review mode, the PR bot and the CLI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.models import Drift, Finding, Intent, Proposal, ProposalStatus


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoredProposal(_Record):
    """A proposal as stored: its latest content, status and where it came from."""

    id: str
    run_id: str
    fingerprint: str
    generator: str
    operation: str
    status: ProposalStatus
    item: dict[str, Any]
    findings: list[Finding]
    provenance: dict[str, Any]
    created: str
    updated: str
    drift: Drift | None = None  # the target refused what the spec says succeeds (redacted excerpt)
    catches_old: bool | None = None  # fails on the old API (None: not run there)

    @property
    def name(self) -> str:
        """The Postman item name, or the id when the item has none."""
        name = self.item.get("name")
        return name if isinstance(name, str) else self.id

    def to_proposal(self) -> Proposal:
        """Rebuild the pipeline's Proposal (the intent is kept in the provenance)."""
        return Proposal(
            id=self.id,
            intent=Intent.model_validate(self.provenance["intent"]),
            generator="llm" if self.generator == "llm" else "rules",
            item=self.item,
            status=self.status,
            findings=self.findings,
            drift=self.drift,
            catches_old=self.catches_old,
        )


class StoredRun(_Record):
    """One pipeline run."""

    id: str
    kind: str
    status: str
    config: dict[str, Any]
    summary: dict[str, Any] | None
    started: str
    finished: str | None
    stage: str | None = None  # the last stage it started
    pid: int | None = None
    host: str | None = None


class Decision(_Record):
    """A status change of a proposal: who, what, why, when."""

    proposal_id: str
    actor: str
    status: ProposalStatus
    reason: str
    at: str


class AuditEvent(_Record):
    """One audit row."""

    run_id: str | None
    at: str
    event: str
    data: dict[str, Any]
