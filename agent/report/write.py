"""Save a run's ``report.html``: gather its audit rows from the store, render, write atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from agent.errors import StorageError
from agent.events import RunFinished
from agent.identity.audit import AuditEvent as IdentityEvent
from agent.report.build import AuditRow, build_report
from agent.report.render import render_report

REPORT_NAME = "report.html"


@runtime_checkable
class RunRecords(Protocol):
    """What the report reads back from a store: a run's audit rows and identity events."""

    def audit_events(self, run_id: str | None) -> Sequence[AuditRow]: ...

    def identity_events(self, run_id: str | None = None) -> Sequence[IdentityEvent]: ...


def report_path(state_dir: Path, run_id: str) -> Path:
    """Where a run's report goes: ``<state_dir>/reports/<run id>/report.html``."""
    return Path(state_dir) / "reports" / run_id / REPORT_NAME


def save_report(finished: RunFinished, state_dir: Path, store: object) -> Path:
    """Render ``finished`` (with ``store``'s audit trail, if it keeps one) to its report path."""
    run_id = finished.summary.run_id
    records = store if isinstance(store, RunRecords) else None
    report = build_report(
        finished,
        generated=f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
        audit=records.audit_events(run_id) if records else None,
        identities=records.identity_events(run_id) if records else (),
    )
    path = report_path(state_dir, run_id)
    _write(path, render_report(report))
    return path


def _write(path: Path, text: str) -> None:
    """Write ``text`` whole or not at all (a temp file renamed over the target)."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise StorageError(f"cannot write the run report {path}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
