"""Run the areas one after another; an absent corpus or a failing area is a line, not the end."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from evals.suite import quality, real, speed
from evals.suite.corpora import CorpusAbsent
from evals.suite.report import write
from evals.suite.rows import Area, Mode, machine

AREAS: dict[str, Callable[[Mode], Area]] = {
    "diff-agreement": quality.diff_agreement,
    "redaction-recall": quality.redaction_recall,
    "redaction-throughput": speed.redaction_throughput,
    "injection-detection": quality.injection_detection,
    "injection-e2e": quality.injection_end_to_end,
    "mutation": quality.mutation,
    "diff-speed": speed.diff_speed,
    "generation": speed.generation,
    "verify": speed.verify,
    "log-ingestion": speed.log_ingestion,
    "realservers": real.real_servers,
    "realspecs": real.real_specs,
}


def run_one(key: str, mode: Mode) -> Area:
    """One area, timed; what stopped it becomes its skip line."""
    started = time.perf_counter()
    title = key.replace("-", " ").capitalize()  # the area never built its own
    try:
        area = AREAS[key](mode)
    except CorpusAbsent as exc:
        area = Area(key, title, f".venv/bin/python -m evals --only {key}", skipped=f"skipped: {exc}")
    except Exception as exc:  # noqa: BLE001 - the report still gets written, with why this area is empty
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        area = Area(key, title, f".venv/bin/python -m evals --only {key}", skipped=f"failed: {first}")
    area.seconds = time.perf_counter() - started
    return area


def run_all(full: bool, out: Path, keys: list[str]) -> Path:
    """Measure the given areas and write the report into ``out``."""
    mode = Mode(full)
    where = machine()
    started = time.perf_counter()
    areas = []
    for key in keys:
        print(f"[evals] {key} ...", file=sys.stderr, flush=True)
        area = run_one(key, mode)
        print(f"[evals] {key}: {area.skipped or f'{len(area.rows)} rows'} ({area.seconds:.0f} s)",
              file=sys.stderr, flush=True)  # fmt: skip
        areas.append(area)
        # written after every area: a long --full run that is stopped still leaves what it measured
        path = write(areas, out, mode, where, time.perf_counter() - started, pending=keys[len(areas) :])
    return path
