"""A large collection split into batches of items, each still a whole collection newman can run.

One newman process per batch bounds what a timeout or crash costs (that batch's verdicts, not
the run's), what newman holds in memory, and the size of the report it writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agent.runner.report import leaf_items

DEFAULT_BATCH = 100


def batches(
    collection: dict[str, Any], size: int = DEFAULT_BATCH
) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """(collection holding only the batch's items, their ids) per ``size`` request items in order.

    Everything but the item tree is kept as it is (variables, auth, collection scripts); folders
    keep their own fields and hold only the batch's items; empty folders are left out.
    """
    ids = [item_id for item_id, _ in leaf_items(collection)]
    if len(ids) <= size:
        yield collection, ids  # as it is, items without an id included
        return
    for start in range(0, len(ids), max(1, size)):
        chosen = ids[start : start + size]
        wanted = set(chosen)
        yield {**collection, "item": _pruned(collection.get("item") or [], wanted)}, chosen


def _pruned(items: list[Any], wanted: set[str]) -> list[Any]:
    """``items`` with only the request items in ``wanted`` (and the folders leading to them)."""
    out: list[Any] = []
    for node in items:
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("item"), list):
            children = _pruned(node["item"], wanted)
            if children:
                out.append({**node, "item": children})
        elif node.get("id") in wanted:
            out.append(node)
    return out
