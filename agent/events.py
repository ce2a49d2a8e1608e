"""Progress events the pipeline yields; interfaces decide how to show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.models import Finding, RunSummary


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
class RunFinished:
    """The last event of a run: its summary, its notices and the collection it made (if any)."""

    summary: RunSummary
    notices: list[Finding] = field(default_factory=list)
    collection: dict[str, Any] | None = None


Event = StageStarted | Progress | StageFinished | Notice | RunFinished
