"""Which parts of two documents cannot differ: equal subtrees whose ``$ref``s reach equal targets.

Most of a large API is untouched between two revisions. Comparing an operation rule by rule
costs far more than ``==`` (done in C), so the diff skips an operation whose object is equal on
both sides and whose references reach only components that are equal on both sides,
transitively. Anything not under ``#/components/<section>/<name>`` counts as changed.
"""

from __future__ import annotations

import json
import re
from typing import Any

_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
_REF = re.compile(r'"\$ref":\s*"((?:[^"\\]|\\.)*)"')


def refs_in(node: Any) -> set[str]:
    """Every ``$ref`` string in ``node``.

    Serialising in C and scanning the text is several times faster than walking the tree in
    Python; a tree that does not serialise (YAML dates, deep nesting) is walked instead.
    """
    try:
        text = _ENCODE(node)
    except (TypeError, ValueError, RecursionError):
        return _walk_refs(node)
    return {json.loads(f'"{m}"') if "\\" in m else m for m in _REF.findall(text)}


def _walk_refs(node: Any) -> set[str]:
    out: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                out.add(ref)
            stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, (dict, list)))
    return out


def _identical(a: Any, b: Any) -> bool:
    """Equal with the same JSON types (``1`` is not ``true``); unserialisable values never are."""
    if a != b:
        return False
    try:
        return bool(_ENCODE(a) == _ENCODE(b))
    except (TypeError, ValueError, RecursionError):
        return False


def _component(ref: str) -> str | None:
    """``#/components/schemas/Pet/properties/x`` → ``#/components/schemas/Pet``."""
    parts = ref.split("/", 4)
    if len(parts) >= 4 and parts[0] == "#" and parts[1] == "components":
        return "/".join(parts[:4])
    return None


def _components(doc: dict[str, Any]) -> dict[str, Any]:
    comps = doc.get("components")
    out: dict[str, Any] = {}
    if isinstance(comps, dict):
        for section, entries in comps.items():
            if isinstance(entries, dict):
                for name, value in entries.items():
                    out[f"#/components/{section}/{str(name).replace('~', '~0').replace('/', '~1')}"] = value
    return out


class Unchanged:
    """Answers "is this pair of subtrees certainly without changes?" for one pair of documents."""

    def __init__(self, base: dict[str, Any], rev: dict[str, Any]) -> None:
        b, r = _components(base), _components(rev)
        dirty = {k for k in b.keys() | r.keys() if k not in b or k not in r or not _identical(b[k], r[k])}
        edges = {k: {_component(ref) for ref in refs_in(v)} for k, v in b.items() if k not in dirty}
        changed = True
        while changed:  # a component that reaches a changed one has changed too
            changed = False
            for key, targets in edges.items():
                if key not in dirty and (None in targets or targets & dirty):
                    dirty.add(key)
                    changed = True
        self.dirty = dirty

    def same(self, base: Any, rev: Any) -> bool:
        """Whether ``base`` equals ``rev`` and every reference in it reaches unchanged targets.

        ``==`` alone would call ``1``, ``1.0`` and ``true`` equal; the serialised texts do not,
        so a type change of a value is never skipped (different key order merely falls back to
        the full comparison).
        """
        if base != rev:
            return False
        try:
            text = _ENCODE(base)
            if text != _ENCODE(rev):
                return False
        except (TypeError, ValueError, RecursionError):
            return False  # let the full comparison decide
        for raw in _REF.findall(text):
            comp = _component(json.loads(f'"{raw}"') if "\\" in raw else raw)
            if comp is None or comp in self.dirty:
                return False
        return True
