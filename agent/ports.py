"""The Protocols external systems sit behind; adapters satisfy them structurally."""

from __future__ import annotations

__all__ = [
    "ChangeSet",
    "LLMBackend",
    "LogSource",
    "Publisher",
    "RawLog",
    "Runner",
    "SpecSource",
    "Store",
    "VerifyResult",
]

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from agent.llm.types import ChatBackend as LLMBackend  # the model seam: complete(ChatRequest)
from agent.models import Finding, Proposal, Provenance, PublishResult, Redaction, SpecDocument


@dataclass(frozen=True)
class RawLog:
    """An untrusted log as a source yields it: chunks of text plus where it came from."""

    name: str
    provenance: Provenance
    chunks: Iterable[str]


class SpecSource(Protocol):
    """Fetches one spec document by reference (file, URL, git:REF:path)."""

    def load(self, ref: str) -> SpecDocument: ...


class LogSource(Protocol):
    """Yields raw (untrusted) logs; never interprets them."""

    def logs(self) -> Iterator[RawLog]: ...


@dataclass(frozen=True)
class VerifyResult:
    """Per-proposal outcome of sandbox runs."""

    passed: frozenset[str]
    findings: dict[str, list[Finding]]
    skipped_reason: str | None = None


class Runner(Protocol):
    """Runs a Postman collection in the sandbox, several times."""

    def verify(self, collection: dict[str, Any], spec: SpecDocument, runs: int) -> VerifyResult: ...


@dataclass(frozen=True)
class ChangeSet:
    """What a Publisher receives: a checked collection and a rendered PR body."""

    key: str
    title: str
    collection: dict[str, Any]
    body: str
    proposals: Sequence[Proposal]


class Publisher(Protocol):
    """Puts a change set where humans review it (branch + PR, or a local description)."""

    def publish(self, change_set: ChangeSet) -> PublishResult: ...


class Store(Protocol):
    """Durable state: runs, proposals, decisions, fingerprints, audit."""

    def start_run(self, kind: str, config: dict[str, Any]) -> str: ...

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None: ...

    def add_proposals(self, run_id: str, proposals: Sequence[Proposal]) -> None: ...

    def set_status(self, proposal_id: str, status: str, *, actor: str, reason: str) -> None: ...

    def seen(self, fingerprint: str) -> bool: ...

    def remember(self, fingerprint: str, kind: str, run_id: str) -> None: ...

    def audit(self, run_id: str | None, event: str, data: dict[str, Any]) -> None: ...

    def add_redactions(self, run_id: str, redactions: Sequence[Redaction]) -> None: ...

    def get_watermark(self, key: str) -> str | None: ...

    def set_watermark(self, key: str, value: str) -> None: ...
