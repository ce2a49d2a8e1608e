"""Changes → text, JSON or Markdown (pure string building)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from agent.diff.group import group
from agent.models import LEVEL_ORDER, Change

FORMATS = ("text", "json", "markdown")
COMMENT_LIMIT = 65_536  # characters GitHub accepts in one PR comment
MARKDOWN_LINES = 200  # root changes listed in Markdown unless --max-lines says otherwise
LISTED = 5  # operations or fields named per root change before "+N more"


def keep(changes: Sequence[Change], *, breaking_only: bool) -> list[Change]:
    """Changes to show: all, or only errors and warnings."""
    return [c for c in changes if not breaking_only or c.level in ("error", "warning")]


def fails(changes: Sequence[Change], fail_on: str | None) -> bool:
    """Whether any change reaches the ``fail_on`` level."""
    return fail_on is not None and any(LEVEL_ORDER[c.level] >= LEVEL_ORDER[fail_on] for c in changes)


def as_json(base: str, revision: str, changes: Sequence[Change]) -> str:
    """The machine-readable report: every change, and the root changes they group into."""
    return "".join(json_chunks(base, revision, changes))


def json_chunks(base: str, revision: str, changes: Sequence[Change]) -> Iterator[str]:
    """:func:`as_json`'s text in pieces, one change or group at a time, so a caller can write it
    out as it goes (Stripe's 145,352 changes are a 91 MB report: built whole, 500 MB more memory).

    The text is ``json.dumps(payload, indent=2, ensure_ascii=False)`` of the whole report.
    """
    changes_out = (
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
    )
    groups_out = (
        {
            "id": g.first.id,
            "level": g.first.level,
            "root": g.root,
            "changes": [c.fingerprint for c in g.changes],
            "operations": g.operations,
            "fields": g.fields,
        }
        for g in group(changes)
    )
    yield f'{{\n  "base": {_dumps(base)},\n  "revision": {_dumps(revision)},\n  "changes": '
    yield from _json_list(changes_out)
    yield ',\n  "groups": '
    yield from _json_list(groups_out)
    yield "\n}"


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _json_list(values: Iterator[dict[str, Any]]) -> Iterator[str]:
    """A list two levels into the report, as ``json.dumps(indent=2)`` writes it there."""
    first = True
    for value in values:
        # a JSON string holds no raw newline, so every one is a line break of the layout
        yield ("[\n    " if first else ",\n    ") + _dumps(value).replace("\n", "\n    ")
        first = False
    yield "[]" if first else "\n  ]"


def _counts(changes: Sequence[Change]) -> str:
    levels = [sum(1 for c in changes if c.level == lv) for lv in ("error", "warning", "info")]
    return f"{len(changes)} changes: {levels[0]} error, {levels[1]} warning, {levels[2]} info"


def _listed(items: list[str], shown: int = LISTED) -> str:
    """The first few items and how many more there are."""
    more = f" (+{len(items) - shown} more)" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def as_text(base: str, revision: str, changes: Sequence[Change], max_lines: int | None = None) -> str:
    """One line per root change (level, id, operation, sentence), then what else it reaches."""
    groups = group(changes)
    lines = [f"{base} -> {revision}: {_counts(changes)} in {len(groups)} root changes"]
    for g in groups[:max_lines]:
        c = g.first
        where = f" {c.operation}" if c.operation else ""
        lines.append(f"{c.level:<7} {c.id}{where}: {c.text}")
        if len(g.changes) > 1:
            ops, fields = g.operations, g.fields
            lines.append(
                f"        at {g.root}: {len(g.changes)} changes in {len(ops)} operations"
                + (f" ({_listed(ops)})" if ops else "")
                + (f"; fields: {_listed(fields)}" if fields else "")
            )
    if max_lines is not None and len(groups) > max_lines:
        lines.append(f"... {len(groups) - max_lines} more root changes (--max-lines, or --format json)")
    return "\n".join(lines)


def _md(text: str, limit: int = 300) -> str:
    text = text.replace("|", "\\|").replace("\n", " ").replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_markdown(base: str, revision: str, changes: Sequence[Change], max_lines: int | None = None) -> str:
    """A summary (counts by level and by rule) and at most ``max_lines`` root changes: a PR comment.

    The result stays under :data:`COMMENT_LIMIT` characters (GitHub's cap on a comment) whatever
    the diff's size: rows that would pass it are left out and counted.
    """
    shown = MARKDOWN_LINES if max_lines is None else max_lines
    groups = group(changes)
    lines = [
        f"### API changes: `{_md(base)}` → `{_md(revision)}`",
        "",
        f"{_counts(changes)} in {len(groups)} root changes",
        "",
    ]
    if not changes:
        return "\n".join(lines)
    rules: dict[tuple[str, str], list[int]] = {}
    for g in groups:
        counts = rules.setdefault((g.first.level, g.first.id), [0, 0])
        counts[0] += len(g.changes)
        counts[1] += 1
    lines += ["| level | rule | changes | root changes |", "|---|---|---:|---:|"]
    ordered = sorted(rules.items(), key=lambda kv: (-LEVEL_ORDER[kv[0][0]], -kv[1][0], kv[0][1]))
    lines += [f"| {lv} | `{rule}` | {n:,} | {roots:,} |" for (lv, rule), (n, roots) in ordered]
    lines += ["", "| level | rule | where | change | reaches |", "|---|---|---|---|---|"]
    size = sum(len(line) + 1 for line in lines)
    budget = COMMENT_LIMIT - 400  # room for the closing note
    written = 0
    for g in groups[:shown]:
        ops, fields = g.operations, g.fields
        reach = f"{len(ops)} operations: {_listed(ops, 3)}" if len(ops) > 1 else "; ".join(ops)
        if len(fields) > 1:
            reach += f"; fields: {_listed(fields, 3)}"
        cells = (g.first.level, f"`{g.first.id}`", f"`{_md(g.root, 120)}`", _md(g.first.text), _md(reach))
        row = "| " + " | ".join(cells) + " |"
        if size + len(row) + 1 > budget:
            break
        lines.append(row)
        size += len(row) + 1
        written += 1
    if written < len(groups):
        lines += ["", f"_{len(groups) - written:,} more root changes not shown; `--format json` lists all._"]
    return "\n".join(lines)


def render(
    fmt: str, base: str, revision: str, changes: Sequence[Change], max_lines: int | None = None
) -> str:
    """Render in one of :data:`FORMATS`; ``max_lines`` bounds the root changes text and Markdown list."""
    if fmt == "json":
        return as_json(base, revision, changes)
    if fmt == "text":
        return as_text(base, revision, changes, max_lines)
    return as_markdown(base, revision, changes, max_lines)
