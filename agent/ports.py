"""The Protocols external systems sit behind; adapters satisfy them structurally."""

from __future__ import annotations

__all__ = [
    "ChangeSet",
    "LLMBackend",
    "LogSource",
    "MarkedLogSource",
    "Publisher",
    "RawLog",
    "RunRecord",
    "Runner",
    "SpecSource",
    "Store",
    "TokenSource",
    "VerifyResult",
    "Watermarks",
]

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agent.identity.token import AccessToken
from agent.llm.types import ChatBackend as LLMBackend  # the model seam: complete(ChatRequest)
from agent.models import Finding, Proposal, Provenance, PublishResult, Redaction, Response, SpecDocument


@dataclass(frozen=True)
class RawLog:
    """An untrusted log as a source yields it: chunks of text plus where it came from."""

    name: str
    provenance: Provenance
    chunks: Iterable[str]


class TokenSource(Protocol):
    """Issues access tokens for one identity (``agent/identity/``); ``name`` is its kind in config.

    Called through ``identity.token.TokenCache``, which keeps tokens in memory only."""

    @property
    def name(self) -> str: ...

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken: ...


class SpecSource(Protocol):
    """Fetches one spec document by reference (file, URL, git:REF:path)."""

    def load(self, ref: str) -> SpecDocument: ...


class LogSource(Protocol):
    """Yields raw (untrusted) logs; never interprets them."""

    def logs(self) -> Iterator[RawLog]: ...


class Watermarks(Protocol):
    """Where a source reads and records how far it has read (a key per feed)."""

    def get_watermark(self, key: str) -> str | None: ...

    def set_watermark(self, key: str, value: str) -> None: ...


@runtime_checkable
class MarkedLogSource(LogSource, Protocol):
    """A source that reads only what is new: it records its marks in ``marks``, which the
    pipeline commits in the transaction that stores what it derived from those logs."""

    def logs_since(self, marks: Watermarks) -> Iterator[RawLog]: ...


@dataclass(frozen=True)
class VerifyResult:
    """Per-proposal outcome of sandbox runs."""

    passed: frozenset[str]
    findings: dict[str, list[Finding]]
    skipped_reason: str | None = None
    responses: Mapping[str, Response] = field(default_factory=dict)  # failing items: answers, redacted
    real_target: bool = False  # run against a real server, not a mock of the spec


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


class RunRecord(Protocol):
    """A stored run, as far as the pipeline reads one."""

    @property
    def id(self) -> str: ...

    @property
    def stage(self) -> str | None: ...


class Store(Protocol):
    """Durable state: runs, proposals, decisions, fingerprints, audit."""

    def recover(self) -> Sequence[RunRecord]: ...

    def start_run(self, kind: str, config: dict[str, Any]) -> str: ...

    def set_stage(self, run_id: str, stage: str) -> None: ...

    def store_results(
        self,
        run_id: str,
        proposals: Sequence[Proposal],
        redactions: Sequence[Redaction] = (),
        watermarks: Mapping[str, str] | None = None,
    ) -> None: ...

    def unpublished(self) -> list[Proposal]: ...

    def with_status(self, status: str, ids: Sequence[str]) -> set[str]: ...

    def close(self) -> None: ...

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None: ...

    def add_proposals(self, run_id: str, proposals: Sequence[Proposal]) -> None: ...

    def set_status(self, proposal_id: str, status: str, *, actor: str, reason: str) -> None: ...

    def seen(self, fingerprint: str) -> bool: ...

    def remember(self, fingerprint: str, kind: str, run_id: str) -> None: ...

    def audit(self, run_id: str | None, event: str, data: dict[str, Any]) -> None: ...

    def add_redactions(self, run_id: str, redactions: Sequence[Redaction]) -> None: ...

    def get_watermark(self, key: str) -> str | None: ...

    def set_watermark(self, key: str, value: str) -> None: ...
