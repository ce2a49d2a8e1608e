"""Where inputs came from, redacted before it is recorded (log names, Airflow ids, run config).

A log's path and ids are input too: an Airflow ``run_id`` is whatever the trigger chose
(``manual__<a token pasted by mistake>``), a folder name can hold anything. They reach item
names, the PR body, the state DB and the console, so they cross the same redactor as the
log's text, under the run's placeholders.
"""

from __future__ import annotations

from typing import Any

from agent.boundary.inbound.redact import Redactor
from agent.models import Provenance
from agent.ports import RawLog
from agent.urls import mask_urls

ORIGIN = "log path"


def redact_id(redactor: Redactor, value: str, *, origin: str = ORIGIN) -> str:
    """An id or path with its URLs masked and every secret in it replaced.

    The detector's left boundary lets a token glued on by '_' be found (``manual__<token>``).
    """
    return redactor.redact(mask_urls(value), origin=origin)[0]


def redact_provenance(redactor: Redactor, provenance: Provenance) -> Provenance:
    """``provenance`` with its DAG, run and task ids and its file path redacted."""
    fields = ("dag_id", "run_id", "task_id", "file")
    update = {
        name: redact_id(redactor, value)
        for name in fields
        if isinstance(value := getattr(provenance, name), str)
    }
    return provenance.model_copy(update=update)


def sanitize_raw_log(redactor: Redactor, raw: RawLog) -> RawLog:
    """A raw log whose name and provenance are redacted; its text is left to the log stream."""
    return RawLog(
        name=redact_id(redactor, raw.name),
        provenance=redact_provenance(redactor, raw.provenance),
        chunks=raw.chunks,
    )


def sanitize_record(redactor: Redactor, data: Any, *, origin: str = "run config") -> Any:
    """Plain JSON data (a run's config) with URLs masked and every string redacted."""
    if isinstance(data, str):
        return redact_id(redactor, data, origin=origin)
    if isinstance(data, dict):
        return {k: sanitize_record(redactor, v, origin=origin) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [sanitize_record(redactor, v, origin=origin) for v in data]
    return data
