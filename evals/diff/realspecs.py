"""The diff of real spec pairs as a person reads it: changes by level, root changes, noise, PR comment size.

usage: .venv/bin/python -m evals.diff.realspecs [NAME ...]   (default: github stripe jira kubernetes)
Specs come from `npm pack` through evals.realspecs.fetch (cached). Per pair it prints the changes
by level, how many root changes they group into, the "required property removed" count, the
format-only type changes (``integer`` -> ``integer/int64``, at oasdiff's level) and the size of
``--format markdown``. It fails when a Markdown report passes GitHub's comment cap.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter

from agent.diff import diff_specs
from agent.diff.group import group
from agent.diff.render import COMMENT_LIMIT, as_markdown
from agent.models import Change
from agent.specs.load import load_spec
from evals.realspecs.fetch import fetch

DEFAULT = ("github", "stripe", "jira", "kubernetes")
# "type changed for ...: integer -> integer/int64": the same type on both sides, a format added or changed
_FORMAT_ONLY = re.compile(r": (\w+)(?:/[\w-]+)? -> (\w+)(?:/[\w-]+)?$")


def format_only(change: Change) -> bool:
    """Whether a type change keeps the type and changes only the format."""
    found = _FORMAT_ONLY.search(change.text) if "type-changed" in change.id else None
    return bool(found and found.group(1) == found.group(2))


def measure(name: str) -> dict[str, object]:
    """One row of the table for the pair NAME."""
    old_path, new_path = fetch(name)
    old = load_spec(str(old_path), validate=False)
    new = load_spec(str(new_path), validate=False)
    started = time.perf_counter()
    changes = diff_specs(old, new)
    seconds = time.perf_counter() - started
    levels = Counter(c.level for c in changes)
    markdown = as_markdown(name + "-old", name + "-new", changes)
    return {
        "pair": name,
        "changes": len(changes),
        "error": levels["error"],
        "warning": levels["warning"],
        "info": levels["info"],
        "roots": len(group(changes)),
        "required-removed": sum(1 for c in changes if c.id == "response-required-property-removed"),
        "format-only": sum(1 for c in changes if format_only(c)),
        "markdown chars": len(markdown),
        "diff s": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Print one row per pair; exit 1 when a Markdown report does not fit a PR comment."""
    names = (argv if argv is not None else sys.argv[1:]) or list(DEFAULT)
    rows = [measure(name) for name in names]
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print(
            "| " + " | ".join(f"{row[k]:,}" if isinstance(row[k], int) else str(row[k]) for k in keys) + " |"
        )
    too_big = [r["pair"] for r in rows if int(str(r["markdown chars"])) > COMMENT_LIMIT]
    if too_big:
        print(f"markdown over {COMMENT_LIMIT:,} characters: {', '.join(map(str, too_big))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
