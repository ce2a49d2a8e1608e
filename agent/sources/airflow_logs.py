"""Airflow 3 structured log events → JSON lines in the same format as files on disk."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from agent.models import Provenance

CHUNK_BYTES = 64 * 1024
# Airflow prefixes each served log with a group naming the file on the worker: not task output.
_SOURCE_GROUP = "::group::Log message source details"


def log_name(p: Provenance) -> str:
    """The path Airflow's file task handler would use, so names match logs read from disk."""
    parts = [f"dag_id={p.dag_id}", f"run_id={p.run_id}", f"task_id={p.task_id}"]
    if p.map_index is not None and p.map_index >= 0:
        parts.append(f"map_index={p.map_index}")
    parts.append(f"attempt={p.try_number}.log")
    return "/".join(parts)


def render_event(item: Any, p: Provenance) -> str:
    """One event as one JSON line; keeps level, logger and error_detail; fills in provenance."""
    if isinstance(item, dict):
        event: dict[str, Any] = dict(item)
    else:
        event = {"event": str(item)}
    event.setdefault("dag_id", p.dag_id)
    event.setdefault("task_id", p.task_id)
    event.setdefault("try_number", p.try_number)
    event.setdefault("map_index", p.map_index if p.map_index is not None else -1)
    event.setdefault("run_id", p.run_id)
    # ensure_ascii keeps lone surrogates and control bytes from breaking the line format.
    return json.dumps(event, default=str) + "\n"


def _skip_source_group(items: Iterator[Any]) -> Iterator[Any]:
    """Drop the leading '::group::Log message source details' block (worker file paths)."""
    first = next(items, None)
    if first is None:
        return
    if isinstance(first, dict) and first.get("event") == _SOURCE_GROUP and not first.get("timestamp"):
        for item in items:
            if isinstance(item, dict) and item.get("event") == "::endgroup::":
                break
    else:
        yield first
    yield from items


def render_events(events: Iterable[Any], p: Provenance) -> Iterator[str]:
    """Chunks of whole JSON lines (~64 KB each) from structured events; lines never split."""
    items = iter(events)
    buf: list[str] = []
    size = 0
    for item in _skip_source_group(items):
        line = render_event(item, p)
        buf.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield "".join(buf)
            buf, size = [], 0
    if buf:
        yield "".join(buf)
