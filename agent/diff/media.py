"""Media type names: is one a more specific or more general form of another?"""

from __future__ import annotations


def _parts(media_type: str) -> tuple[str, str, str]:
    """("application", "problem+json", "q=1") of ``application/problem+json;q=1``."""
    name, _, params = media_type.partition(";")
    kind, _, sub = name.strip().lower().partition("/")
    return kind, sub, ";".join(p.strip() for p in params.split(";") if p.strip())


def _narrower(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    """Whether media type ``a`` names a subset of what ``b`` names (ignoring parameters)."""
    if a[:2] == b[:2]:
        return False
    if b[0] == "*":
        return True
    if a[0] != b[0]:
        return False
    return b[1] == "*" or a[1].endswith("+" + b[1])  # application/problem+json is a kind of json


def name_change(old: str, new: str) -> str | None:
    """ "specialized", "generalized" or "changed" when ``new`` renames ``old``; None if unrelated."""
    a, b = _parts(old), _parts(new)
    related = a[:2] == b[:2] or _narrower(b, a) or _narrower(a, b)
    if not related:
        return None
    if a[2] != b[2]:
        return "changed"  # parameters changed: what they constrain is unknown
    return "specialized" if _narrower(b, a) else "generalized"
