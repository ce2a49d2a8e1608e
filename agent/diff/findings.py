"""Neutral schema findings and small helpers shared by the diff modules."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Raw:
    """One neutral schema finding; ``path`` is relative to the compared root schema."""

    kind: str
    path: tuple[str, ...]
    before: Any
    after: Any
    base_ptr: str
    rev_ptr: str
    subject: Any = None
    flags: frozenset[str] = field(default_factory=frozenset)

    def under(self, prefix: tuple[str, ...]) -> Raw:
        """The same finding seen from a parent schema."""
        return Raw(
            self.kind,
            prefix + self.path,
            self.before,
            self.after,
            self.base_ptr,
            self.rev_ptr,
            self.subject,
            self.flags,
        )


@dataclass(frozen=True)
class ValueSummary:
    """Many enum values added or removed at once, reported as one change: a count and the first few."""

    count: int
    first: tuple[Any, ...]
    digest: str  # of every value, so two different overflows never share a fingerprint

    def __str__(self) -> str:
        listed = ", ".join(repr(v) if isinstance(v, str) else canonical(v) for v in self.first)
        return f"{self.count:,} values (the first {len(self.first)}: {listed})"


LISTED_VALUES = 20


def value_delta(before: list[Any], after: list[Any]) -> tuple[list[Any], list[Any]]:
    """(removed, added) values of two enum lists, in list order; ``1``, ``1.0`` and ``true`` differ."""

    def key(value: Any) -> Any:
        # Strings (nearly every enum) hash as they are; anything else by its JSON text, tagged
        # so that the string "1" and the number 1 stay apart.
        return value if type(value) is str else ("json", canonical(value))

    kept = {key(v) for v in after}
    was = {key(v) for v in before}
    return [v for v in before if key(v) not in kept], [v for v in after if key(v) not in was]


def summarise(values: list[Any]) -> ValueSummary:
    """The one-change form of many values."""
    digest = hashlib.sha256(canonical(values).encode()).hexdigest()[:16]  # one C-speed dump
    return ValueSummary(len(values), tuple(values[:LISTED_VALUES]), digest)


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty one (specs are untrusted shapes)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def escape(part: str) -> str:
    """A JSON-pointer segment."""
    return part.replace("~", "~0").replace("/", "~1")


def canonical(value: Any) -> str:
    """A stable text form used to compare values of any JSON type."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def types_of(schema: dict[str, Any]) -> tuple[frozenset[str], bool]:
    """Declared types (without "null") and whether null is allowed (3.0 nullable or 3.1 type list)."""
    raw = schema.get("type")
    kinds = (
        {raw}
        if isinstance(raw, str)
        else {t for t in raw if isinstance(t, str)}
        if isinstance(raw, list)
        else set()
    )
    nullable = schema.get("nullable") is True or "null" in kinds
    return frozenset(kinds - {"null"}), nullable


def flags_of(schema: Any, required: bool) -> frozenset[str]:
    """Property attributes that change which rule applies."""
    out = {"required"} if required else set()
    if isinstance(schema, dict):
        if schema.get("readOnly") is True:
            out.add("read-only")
        if schema.get("writeOnly") is True:
            out.add("write-only")
        if "default" in schema:
            out.add("default")
    return frozenset(out)
