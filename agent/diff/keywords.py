"""Comparators for single schema keywords; each reports through ``add(kind, before, after, subject)``."""

from __future__ import annotations

from typing import Any

from agent.diff.findings import as_dict, canonical

# Patterns that accept any string: changing to one of these only widens what is accepted.
_ANY_STRING = frozenset({".*", "^.*$", ".*$", "^.*", "[\\s\\S]*", "^[\\s\\S]*$"})


def compare_value(b: dict[str, Any], r: dict[str, Any], key: str, stem: str, add: Any) -> None:
    """default / const / pattern: added, removed, changed (or a pattern generalized)."""
    # An empty pattern constrains nothing: oasdiff (Go zero values) treats it as unset.
    has_b = key in b and not (key == "pattern" and b[key] == "")
    has_r = key in r and not (key == "pattern" and r[key] == "")
    if has_r and not has_b:
        add(f"{stem}-added", None, r[key])
    elif has_b and not has_r:
        add(f"{stem}-removed", b[key], None)
    elif has_b and canonical(b[key]) != canonical(r[key]):
        general = key == "pattern" and r[key] in _ANY_STRING
        add(f"{stem}-generalized" if general else f"{stem}-changed", b[key], r[key])


def compare_keyed(b: dict[str, Any], r: dict[str, Any], add: Any) -> None:
    """Keyword maps compared entry by entry (JSON Schema 2020-12 / OpenAPI 3.1)."""
    for key, stem, changed in (
        ("dependentRequired", "dependent-required", True),
        ("dependentSchemas", "dependent-schema", False),
        ("patternProperties", "pattern-property", False),
    ):
        bm, rm = as_dict(b.get(key)), as_dict(r.get(key))
        for k in sorted(rm.keys() - bm.keys()):
            add(f"{stem}-added", None, rm[k], k)
        for k in sorted(bm.keys() - rm.keys()):
            add(f"{stem}-removed", bm[k], None, k)
        if changed:
            for k in sorted(bm.keys() & rm.keys()):
                if canonical(bm[k]) != canonical(rm[k]):
                    add(f"{stem}-changed", bm[k], rm[k], k)


def compare_discriminator(b: dict[str, Any], r: dict[str, Any], add: Any) -> None:
    """Discriminator added, removed, renamed, and its mapping entries."""
    bd, rd = b.get("discriminator"), r.get("discriminator")
    if isinstance(rd, dict) and not isinstance(bd, dict):
        add("discriminator-added", None, rd)
    elif isinstance(bd, dict) and not isinstance(rd, dict):
        add("discriminator-removed", bd, None)
    elif isinstance(bd, dict) and isinstance(rd, dict):
        if bd.get("propertyName") != rd.get("propertyName"):
            add("discriminator-property-name-changed", bd.get("propertyName"), rd.get("propertyName"))
        bm, rm = bd.get("mapping") or {}, rd.get("mapping") or {}
        for k in rm.keys() - bm.keys():
            add("discriminator-mapping-added", None, rm[k], k)
        for k in bm.keys() - rm.keys():
            add("discriminator-mapping-deleted", bm[k], None, k)
        for k in bm.keys() & rm.keys():
            if bm[k] != rm[k]:
                add("discriminator-mapping-changed", bm[k], rm[k], k)
