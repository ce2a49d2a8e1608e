"""A large collection split into batches of items, each still a whole collection newman can run.

One newman process per batch bounds what a timeout or crash costs (that batch's verdicts, not
the run's), what newman holds in memory, and the size of the report it writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agent.generate.discovery import SETUP_FOLDER
from agent.generate.scripts import SCHEMA_VARIABLE
from agent.runner.report import leaf_items

DEFAULT_BATCH = 100


def batches(
    collection: dict[str, Any], size: int = DEFAULT_BATCH
) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """(collection holding only the batch's items, their ids) per ``size`` request items in order.

    Everything but the item tree is kept as it is (variables, auth, collection scripts), except
    the shared response schemas no item of the batch reads; folders keep their own fields and
    hold only the batch's items; empty folders are left out.
    """
    ids = [item_id for item_id, _ in leaf_items(collection)]
    if len(ids) <= size:
        yield collection, ids  # as it is, items without an id included
        return
    for start in range(0, len(ids), max(1, size)):
        chosen = ids[start : start + size]
        yield subset(collection, chosen), chosen


def subset(collection: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """``collection`` holding only the request items ``ids`` (and the setup folder)."""
    every = collection.get("item") or []
    # the setup requests find the path values every batch's tests wait for: each batch has them
    setup = [n for n in every[:1] if isinstance(n, dict) and n.get("name") == SETUP_FOLDER]
    items = setup + _pruned(every[len(setup) :], set(ids))
    return {**collection, "item": items, "variable": _used(collection.get("variable"), items)}


def _used(variables: Any, items: list[Any]) -> Any:
    """The collection's variables, less the shared schemas no script of ``items`` reads."""
    if not isinstance(variables, list):
        return variables
    text = json.dumps(items)
    return [
        v
        for v in variables
        if not (isinstance(v, dict) and str(v.get("key", "")).startswith(SCHEMA_VARIABLE))
        or str(v["key"]) in text  # a content hash: found in a script only where it is read
    ]


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
