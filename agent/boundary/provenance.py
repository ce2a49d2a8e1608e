"""Where inputs came from, redacted before it is recorded (log names, Airflow ids, run config).

A log's path and ids are input too: an Airflow ``run_id`` is whatever the trigger chose
(``manual__<a token pasted by mistake>``), a folder name can hold anything. They reach item
names, the PR body, the state DB and the console, so they cross the same redactor as the
log's text, under the run's placeholders.
"""

from __future__ import annotations

import re
from typing import Any
from weakref import WeakKeyDictionary

from agent.boundary.redact import Redactor
from agent.models import Provenance
from agent.ports import RawLog
from agent.urls import mask_urls

ORIGIN = "log path"
# Where an id joins its parts: Airflow's ``manual__`` prefix, ``push_<id>``, ``key=value``. A
# token glued on by '_' has no word boundary before it, so the detector also runs from every
# join onward.
_JOINS = re.compile(r"[_\-.=:+@\s]+")
_FOLDERS = re.compile(r"([/\\]+)")
# Per run (per redactor): a path's folders repeat from log to log, each is judged once.
_SEEN: WeakKeyDictionary[Redactor, dict[str, str]] = WeakKeyDictionary()


def _glued(redactor: Redactor, part: str, origin: str) -> str:
    """``part`` with a secret replaced also where it starts right after a join."""
    starts = [0, *(m.end() for m in _JOINS.finditer(part) if m.end() < len(part))]
    dirty = [s for s, ok in zip(starts, redactor.clean([part[s:] for s in starts]), strict=True) if not ok]
    # Right to left: replacing a tail never moves the starts before it.
    for start in reversed(dirty):
        part = part[:start] + redactor.redact(part[start:], origin=origin)[0]
    return part


def redact_id(redactor: Redactor, value: str, *, origin: str = ORIGIN) -> str:
    """An id or path with every secret in it replaced, also one glued on after a '_' or '='."""
    text = redactor.redact(mask_urls(value), origin=origin)[0]
    seen = _SEEN.setdefault(redactor, {})
    parts = _FOLDERS.split(text)
    for i in range(0, len(parts), 2):  # the even items are folder names, the odd ones slashes
        part = parts[i]
        if part and part not in seen:
            seen[part] = _glued(redactor, part, origin)
        parts[i] = seen.get(part, part)
    return "".join(parts)


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
