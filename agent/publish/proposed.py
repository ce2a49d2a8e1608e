"""Which of postwright's tests a review request holds, and the collection cuts the flow needs (pure)."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

from agent.errors import ConfigError, InputError
from agent.generate.postman import leaves
from agent.publish.merge import SETUP_FOLDER, is_postwright_item

BRANCH_PREFIX = "postwright/"
SETUP_PREFIX = SETUP_FOLDER + "-"  # ids of discovery's setup requests: ours, but not tests
_STEM = re.compile(r"(\.postman_collection)?\.json$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def repo_path(path: str) -> str:
    """A repo-relative POSIX path that cannot leave the repository."""
    pure = PurePosixPath(path.replace("\\", "/").lstrip("/"))
    parts = [p for p in pure.parts if p not in ("", ".")]
    if not parts or ".." in parts:
        raise ConfigError(f"collection path {path!r} must be a file path inside the repository")
    return "/".join(parts)


def branch_for(collection_path: str) -> str:
    """``postwright/<collection-stem>``: one branch, so one open request, per collection file."""
    stem = _UNSAFE.sub("-", _STEM.sub("", PurePosixPath(collection_path).name)).strip(".-")
    if not stem:
        raise ConfigError(f"collection path {collection_path!r} has no file name to name a branch after")
    return BRANCH_PREFIX + stem


def parse_collection(data: bytes | None, where: str) -> dict[str, Any] | None:
    """A collection file's content (None when the file is absent); bad JSON is a one-line error."""
    if data is None:
        return None
    try:
        value = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(f"{where} is not valid JSON" + (f" (line {line})" if line else "")) from None
    if not isinstance(value, dict):
        raise InputError(f"{where} is not a Postman collection")
    return value


def _cut(items: list[Any], keep: Any) -> list[Any]:
    """The item tree with only the leaves ``keep`` accepts; folders left empty go too."""
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("item"), list):
            inner = _cut(item["item"], keep)
            if inner:
                out.append({**item, "item": inner})
        elif keep(item):
            out.append(item)
    return out


def ours_only(collection: dict[str, Any] | None) -> dict[str, Any] | None:
    """The collection cut down to postwright's items (folders kept around them); None when none."""
    items = _cut((collection or {}).get("item") or [], is_postwright_item)
    return {**(collection or {}), "item": items} if items else None


def without(collection: dict[str, Any], ids: frozenset[str]) -> dict[str, Any] | None:
    """The generated collection without the tests ``ids`` names; None when no test is left."""
    items = _cut(collection.get("item") or [], lambda item: item.get("id") not in ids)
    return {**collection, "item": items} if _is_test_in(items) else None


def _is_test_in(items: list[Any]) -> bool:
    return any(not str(i.get("id", "")).startswith(SETUP_PREFIX) for _, i in leaves(items))


def test_ids(collection: dict[str, Any], base: dict[str, Any] | None) -> frozenset[str]:
    """Ids of postwright's tests in ``collection`` that the base lacks or holds differently."""
    on_base = {i.get("id"): i for _, i in leaves((base or {}).get("item") or [])}
    return frozenset(
        str(i["id"])
        for _, i in leaves(collection.get("item") or [])
        if is_postwright_item(i) and not str(i["id"]).startswith(SETUP_PREFIX) and on_base.get(i["id"]) != i
    )
