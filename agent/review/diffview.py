"""`d`: a proposal against the same item (by id) in the repository's collection on the base branch."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from agent.errors import PostwrightError
from agent.generate.postman import leaves
from agent.publish.git import Git
from agent.publish.remote import HostAPI


def repository_item(repo: Path, base: str, path: str, item_id: str) -> tuple[str, dict[str, Any] | None]:
    """Where the collection was read from, and the item with ``item_id`` there (None: not there)."""
    try:
        text = Git(repo).run("show", f"refs/heads/{base}:{path}", check=False)
    except PostwrightError:
        text = None
    return find_item(text, f"{path} on {base}", item_id)


def hosted_item(api: HostAPI, base: str, path: str, item_id: str) -> tuple[str, dict[str, Any] | None]:
    """The same, read from the base branch on the code host through its API (no clone)."""
    data = api.read_file(base, path)
    text = data.decode("utf-8", "replace") if data is not None else None
    return find_item(text, f"{path} on {base}", item_id)


def find_item(text: str | None, where: str, item_id: str) -> tuple[str, dict[str, Any] | None]:
    """The item with ``item_id`` in a collection's JSON text (None: no file, or not there)."""
    try:
        collection = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return f"{where} (not valid JSON)", None
    items = collection.get("item") if isinstance(collection, dict) else None
    for _, item in leaves(items if isinstance(items, list) else []):
        if item.get("id") == item_id:
            return where, item
    return where, None


def diff_lines(proposed: dict[str, Any], existing: dict[str, Any] | None, where: str) -> list[str]:
    """A unified diff of the item as JSON, or what is new."""
    new = json.dumps(proposed, indent=2, ensure_ascii=False).splitlines()
    if existing is None:
        return [f"new test: no item with this id in {where}", "", *(f"+ {line}" for line in new)]
    old = json.dumps(existing, indent=2, ensure_ascii=False).splitlines()
    diff = list(difflib.unified_diff(old, new, where, "proposed", lineterm="", n=2))
    return diff or [f"the same as in {where}"]
