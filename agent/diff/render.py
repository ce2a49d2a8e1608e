"""Changes → text, JSON or Markdown (pure string building)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agent.models import LEVEL_ORDER, Change

FORMATS = ("text", "json", "markdown")


def keep(changes: Sequence[Change], *, breaking_only: bool) -> list[Change]:
    """Changes to show: all, or only errors and warnings."""
    return [c for c in changes if not breaking_only or c.level in ("error", "warning")]


def fails(changes: Sequence[Change], fail_on: str | None) -> bool:
    """Whether any change reaches the ``fail_on`` level."""
    return fail_on is not None and any(LEVEL_ORDER[c.level] >= LEVEL_ORDER[fail_on] for c in changes)


def as_json(base: str, revision: str, changes: Sequence[Change]) -> str:
    """The machine-readable report."""
    payload: dict[str, Any] = {
        "base": base,
        "revision": revision,
        "changes": [
            {
                "id": c.id,
                "level": c.level,
                "operation": c.operation,
                "path": c.path,
                "method": c.method,
                "text": c.text,
                "fingerprint": c.fingerprint,
                "source": {"base": c.source.base, "revision": c.source.revision},
            }
            for c in changes
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _counts(changes: Sequence[Change]) -> str:
    levels = [sum(1 for c in changes if c.level == lv) for lv in ("error", "warning", "info")]
    return f"{len(changes)} changes: {levels[0]} error, {levels[1]} warning, {levels[2]} info"


def as_text(base: str, revision: str, changes: Sequence[Change]) -> str:
    """One line per change, grouped by nothing: level, id, operation, sentence."""
    lines = [f"{base} -> {revision}: {_counts(changes)}"]
    for c in changes:
        where = f" {c.operation}" if c.operation else ""
        lines.append(f"{c.level:<7} {c.id}{where}: {c.text}")
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(base: str, revision: str, changes: Sequence[Change]) -> str:
    """A table suitable for a PR comment."""
    lines = [f"### API changes: `{_md(base)}` → `{_md(revision)}`", "", _counts(changes), ""]
    if changes:
        lines += ["| level | rule | operation | change |", "|---|---|---|---|"]
        lines += [f"| {c.level} | `{c.id}` | `{_md(c.operation)}` | {_md(c.text)} |" for c in changes]
    return "\n".join(lines)


def render(fmt: str, base: str, revision: str, changes: Sequence[Change]) -> str:
    """Render in one of :data:`FORMATS`."""
    return {"text": as_text, "json": as_json, "markdown": as_markdown}[fmt](base, revision, changes)
