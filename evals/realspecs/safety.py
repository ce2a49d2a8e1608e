"""Safety classes on real specs: how many operations each class gets, and the ones to review.

For every spec of the issue-16 pairs (fetched by :mod:`evals.realspecs.fetch`, or read from
``--pairs DIR`` holding ``<name>-old.json`` / ``<name>-new.json``), each operation is classified
as the planner does (``agent.plan.safety.classify``). Printed per spec: the count per class,
the destructive operations that are not DELETEs and the POSTs read as searches (the two rules a
reader should check), and, with ``--list``, those operations with the word that decided.
Run: ``python -m evals.realspecs.safety [--pairs DIR] [--list] [NAME ...]``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from agent.models import SAFETY_CLASSES
from agent.plan.safety import classify
from agent.specs.document import operations
from evals.realspecs.fetch import PAIRS, fetch


def _paths(name: str, pairs: Path | None) -> tuple[Path, Path]:
    if pairs is None:
        return fetch(name)
    return pairs / f"{name}-old.json", pairs / f"{name}-new.json"


def count(path: Path, listing: bool) -> str:
    """One table row for the spec at ``path`` (and the operations to review, with ``listing``)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    classes: Counter[str] = Counter()
    review: list[str] = []
    for op in operations(doc):
        verdict = classify(op.method, op.path, op.spec)
        classes[verdict.safety] += 1
        unusual = verdict.safety == "destructive" and op.method != "delete"
        if unusual or (verdict.safety == "read" and op.method == "post"):
            review.append(f"    {verdict.safety:<11} {op.key}  ({verdict.reason})")
    total = sum(classes.values())
    cells = " | ".join(str(classes[c]) for c in SAFETY_CLASSES)
    row = f"| {path.stem} | {total} | {cells} | {len(review)} |"
    return "\n".join([row, *review]) if listing else row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(PAIRS))
    parser.add_argument("--pairs", type=Path, help="a folder with <name>-old.json and <name>-new.json")
    parser.add_argument("--list", action="store_true", help="list the operations to review")
    args = parser.parse_args(argv)
    print("| spec | operations | " + " | ".join(SAFETY_CLASSES) + " | to review |")
    print("|---|---|" + "---|" * (len(SAFETY_CLASSES) + 1))
    for name in args.names:
        for path in _paths(name, args.pairs):
            print(count(path, args.list))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
