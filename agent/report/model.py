"""The run report as data: every section of ``report.html``, built from boundary output only."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agent.models import Level, RunSummary, Safety


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChangeRow(_Data):
    """One API change (a group's first; ``reach`` counts the operations the group reaches)."""

    rule: str
    level: Level
    operation: str
    text: str
    reach: int = 1


class Failure(_Data):
    """A failed HTTP call found in a log, as redacted, with where it was seen."""

    line: str  # "POST https://…/pets → 422 (HTTPError)": rebuilt from the redacted signal
    operation: str | None = None
    dag: str | None = None
    run: str | None = None
    task: str | None = None
    try_number: int | None = None
    file: str | None = None
    at: int | None = None  # line number in the file


class Reason(_Data):
    """Why a proposal was dropped or marked: a check's code and its (redacted) message."""

    code: str
    message: str


class ProposalRow(_Data):
    """One proposal, kept or dropped, with everything a reviewer asks about it."""

    id: str
    name: str
    operation: str
    kind: str
    generator: str
    kept: bool
    safety: Safety
    not_run: bool = False  # kept, but the target's safety policy did not run it
    catches_old: bool | None = None
    verify: str = "not run"  # "passed 3 of 3 runs", "flaky: failed 1 of 3 runs", …
    flaky: bool = False
    reasons: list[Reason] = Field(default_factory=list)
    drift: str | None = None  # the server disagrees with the spec: status, declared, excerpt


class Tally(_Data):
    """A count under a label (a level, a rule, a redaction kind …)."""

    label: str
    count: int
    detail: str = ""


class Suspect(_Data):
    """A log line that looked like instructions to the model: held as data, never obeyed."""

    origin: str
    line: int | None
    rule: str
    score: float | None
    text: str


class Identity(_Data):
    """One identity audit event: a token issued, refreshed, refused or failed (never its value)."""

    at: str
    outcome: str
    source: str
    target: str
    subject: str
    scopes: str
    expires: str
    fingerprint: str
    reason: str


class Usage(_Data):
    """What the model was asked and what it cost."""

    proposals: int = 0
    refused: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    requests: int | None = None
    cached: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class Stage(_Data):
    """How long a stage took and what it said."""

    name: str
    seconds: float
    summary: str


class Coverage(_Data):
    """One operation of the API: tested by a kept proposal, changed, failing in logs."""

    operation: str
    tested: bool
    changed: bool
    failing: bool
    in_spec: bool = True  # False: named by a change or a log only (e.g. a removed operation)


class RunReport(_Data):
    """Everything ``report.html`` shows, as data."""

    run_id: str
    kind: str
    title: str
    generated: str
    summary: RunSummary
    changes: list[ChangeRow] = Field(default_factory=list)
    change_levels: list[Tally] = Field(default_factory=list)
    change_rules: list[Tally] = Field(default_factory=list)
    failures: list[Failure] = Field(default_factory=list)
    proposals: list[ProposalRow] = Field(default_factory=list)
    redactions: list[Tally] = Field(default_factory=list)  # label: kind, detail: source
    suspects: list[Suspect] = Field(default_factory=list)
    identities: list[Identity] = Field(default_factory=list)
    usage: Usage = Usage()
    stages: list[Stage] = Field(default_factory=list)
    coverage: list[Coverage] = Field(default_factory=list)
    coverage_hidden: int = 0  # operations with no test, change or failure left out of the picture
    notices: list[Reason] = Field(default_factory=list)
    recorded: bool = True  # False: the store keeps no audit trail (suspects and identities unknown)
