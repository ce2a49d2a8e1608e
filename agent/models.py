"""The typed values that flow between pipeline stages (pure pydantic, no I/O)."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.urls import mask_url

Level = Literal["error", "warning", "info"]  # of a change and of a finding
# What running an operation does to the server (agent/plan/safety.py classifies).
Safety = Literal["read", "write", "create", "destructive"]
SAFETY_CLASSES: tuple[Safety, ...] = ("read", "write", "create", "destructive")
LEVEL_ORDER: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


def fingerprint(*parts: Any) -> str:
    """A stable 16-hex-digit digest of JSON-serialisable parts (key order does not matter)."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class SpecDocument(_Model):
    """A loaded, parsed OpenAPI document as fetched: untrusted (``sealed.SanitizedSpec`` is redacted)."""

    ref: str = Field(description="where it came from: a path, URL or git:REF:path")
    version: str = Field(description="openapi / swagger version string")
    document: dict[str, Any]
    # Meta-schema problems of a spec loaded leniently ("$.json.path: message"); never values.
    problems: tuple[str, ...] = ()

    @field_validator("ref")
    @classmethod
    def _masked(cls, ref: str) -> str:
        # The ref is recorded (redaction origins, the state DB, messages): never with credentials.
        return mask_url(ref)


class ChangeSource(_Model):
    """Where a change sits in each spec (JSON pointers)."""

    base: str | None = None
    revision: str | None = None


class Change(_Model):
    """One difference between two specs, in oasdiff's rule vocabulary."""

    id: str
    level: Level
    operation: str = Field(description='e.g. "GET /pets/{id}"')
    path: str
    method: str
    text: str
    fingerprint: str
    source: ChangeSource = ChangeSource()
    before: Any = None
    after: Any = None


class ChangeRule(_Model):
    """A change an intent covers by rule id, level and sentence: stored with it, so review need not diff."""

    fingerprint: str
    id: str = Field(description="oasdiff's rule id")
    level: Level
    operation: str
    text: str


class Provenance(_Model):
    """Where a log signal was seen."""

    dag_id: str | None = None
    run_id: str | None = None
    task_id: str | None = None
    try_number: int | None = None
    map_index: int | None = None
    file: str | None = None
    line: int | None = None


class LogSignal(_Model):
    """A failed HTTP call found in a (redacted) log."""

    method: str
    url: str
    status: int | None = None
    operation: str | None = Field(default=None, description="matched spec operation")
    path: str | None = None
    error_keys: list[str] = Field(default_factory=list, description="shape of the error body")
    exception: str | None = None
    timestamp: str | None = None
    provenance: Provenance = Provenance()
    fingerprint: str


class IntentKind(StrEnum):
    HAPPY_PATH = "happy-path"
    CONTRACT = "contract"
    MISSING_REQUIRED = "missing-required"
    ENUM_VALUES = "enum-values"
    PROPERTY_REMOVED = "property-removed"
    TOLERANT = "tolerant"
    REGRESSION = "regression"


class Intent(_Model):
    """What a test must establish, and why."""

    kind: IntentKind
    operation: str
    path: str
    method: str
    expected_status: str = Field(description='a status code or range, e.g. "200", "4XX"')
    text: str
    change_fingerprints: list[str] = Field(default_factory=list)
    change_rules: list[ChangeRule] = Field(default_factory=list, description="of change_fingerprints")
    signals: list[Provenance] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    fingerprint: str
    safety: Safety = Field(default="read", description="what running it does to a real target")


class Finding(_Model):
    """A result of a check: data with a severity, never an exception."""

    severity: Level
    code: str
    message: str
    location: str | None = None


ProposalStatus = Literal["pending", "accepted", "rejected", "published", "dropped"]


class Response(_Model):
    """What a server answered a failing test: its status and a short body excerpt, redacted."""

    status: int
    excerpt: str = ""


class Drift(_Model):
    """A real target refused a request the spec says succeeds: the server disagrees with the spec."""

    declared: str = Field(description='the status the spec declares, e.g. "200" or "2XX"')
    status: int = Field(description="what the target answered")
    excerpt: str = Field(default="", description="the start of its response body, redacted")

    @property
    def message(self) -> str:
        return f"the server disagrees with the spec: {self.status} where {self.declared} is declared"


class Proposal(_Model):
    """A proposed Postman item (v2.1) for one intent."""

    id: str = Field(description="derived from the intent fingerprint")
    intent: Intent
    generator: Literal["rules", "llm"] = "rules"
    item: dict[str, Any] = Field(description="a Postman v2.1 item")
    status: ProposalStatus = "pending"
    findings: list[Finding] = Field(default_factory=list)
    drift: Drift | None = None  # set when a real target refused what the spec says succeeds
    # Run against the old API too: True when it fails there (it tells the versions apart),
    # False when it passes on both, None when not run there (no base, or no verdict).
    catches_old: bool | None = None

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


class Redaction(_Model):
    """One replaced secret: kind, location and placeholder, never the value."""

    kind: str
    placeholder: str
    origin: str
    line: int | None = None


class PublishResult(_Model):
    """What a Publisher did."""

    branch: str
    commit: str | None
    url: str | None = None
    pr_body_path: str | None = None
    created: bool = True
    # A review request on a code host (agent/publish/remote.py); None for the local publisher.
    request: int | None = None  # its number
    proposed: list[str] | None = None  # the test ids it proposes now (None: every kept proposal)
    stopped: str | None = None  # why the branch was left alone (a person committed to it)
    rejected: list[str] = Field(default_factory=list)  # ids of the branch's request closed unmerged
    merged: list[str] = Field(default_factory=list)  # ids of its merged request
    decision: str | None = None  # "#N closed without merging" / "#N merged"


class RunSummary(_Model):
    """The outcome of one pipeline run."""

    run_id: str
    changes: int = 0
    signals: int = 0
    intents: int = 0
    proposals: int = 0
    kept: int = 0
    dropped: int = 0
    redactions: int = 0
    quarantined: int = 0
    llm_proposals: int = 0
    llm_refused: int = 0
    llm_tokens: int = 0
    llm_cost_usd: float = 0.0
    drift: int = 0  # tests a real target refused where the spec declares success
    catches_old: int | None = None  # kept tests that fail on the old API (None: it was not run)
    publish: PublishResult | None = None
    collection_path: str | None = None
