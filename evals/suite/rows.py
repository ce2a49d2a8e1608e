"""The structured results every area returns: rows of one table, charts, or a skip line."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Row:
    """One figure: postwright's value, the target, the peer's value and their ratio, on which data."""

    figure: str
    value: str
    target: str = ""
    peer: str = ""
    ratio: str = ""
    data: str = ""


@dataclass
class Chart:
    """A plot: named series of (x, y) points, drawn as grouped bars (categorical x) or lines."""

    name: str  # the PNG's file stem
    title: str
    xlabel: str
    ylabel: str
    series: dict[str, list[tuple[str | float, float]]]
    kind: str = "bar"  # or "line"


@dataclass
class Area:
    """One table of the report."""

    key: str
    title: str
    reproduce: str
    rows: list[Row] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    skipped: str = ""  # "skipped: corpus X absent", "skipped in --quick", "failed: ..."
    seconds: float = 0.0


@dataclass(frozen=True)
class Mode:
    """How much to measure: --quick (CI, a few minutes on 2 busy cores) or --full (the record)."""

    full: bool

    @property
    def name(self) -> str:
        return "full" if self.full else "quick"


def ratio(ours: float, theirs: float, digits: int = 2) -> str:
    """ours / theirs as "0.12x", or "" when there is no peer figure."""
    return f"{ours / theirs:.{digits}f}x" if theirs else ""


def pct(k: int, n: int, digits: int = 1) -> str:
    """k/n as "k/n = p%"."""
    return f"{k}/{n} = {100 * k / n:.{digits}f}%" if n else f"{k}/0"


def machine() -> str:
    """One line on where the figures come from."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = "?"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({platform.machine()}), load {load} at start, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}, commit {commit or '?'}"
    )
