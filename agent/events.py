"""Progress events the pipeline yields; interfaces decide how to show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.models import Change, Finding, LogSignal, Proposal, Redaction, RunSummary


@dataclass(frozen=True)
class StageStarted:
    """A stage began; ``total`` is known work units, if any."""

    stage: str
    total: int | None = None


@dataclass(frozen=True)
class Progress:
    """Some units of a stage's work were done."""

    stage: str
    done: int
    total: int | None = None


@dataclass(frozen=True)
class StageFinished:
    """A stage ended with a one-line summary made from counts only."""

    stage: str
    summary: str = ""


@dataclass(frozen=True)
class Notice:
    """A finding worth showing as it happens (a dropped proposal, a skipped step)."""

    stage: str
    finding: Finding


@dataclass(frozen=True)
class StageTime:
    """How long one stage took (wall clock, while the run's consumer followed it)."""

    stage: str
    seconds: float
    summary: str = ""


@dataclass(frozen=True)
class RunDetails:
    """What a run saw and made, for its report (``agent.report``): boundary output only."""

    kind: str = "run"
    title: str = ""  # the revision spec's info.title
    operations: list[str] = field(default_factory=list)  # "GET /pets" of the revision spec
    changes: list[Change] = field(default_factory=list)
    signals: list[LogSignal] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)  # kept and dropped
    redactions: list[Redaction] = field(default_factory=list)
    stages: list[StageTime] = field(default_factory=list)
    verify_runs: int | None = None  # runs each kept test had to pass (None: verify did not run)
    proven: frozenset[str] = frozenset()  # ids that passed every verify run


@dataclass(frozen=True)
class RunFinished:
    """The last event of a run: its summary, its notices and the collection it made (if any)."""

    summary: RunSummary
    notices: list[Finding] = field(default_factory=list)
    collection: dict[str, Any] | None = None
    details: RunDetails | None = None


Event = StageStarted | Progress | StageFinished | Notice | RunFinished
