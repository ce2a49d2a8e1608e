"""Neutral schema findings and small helpers shared by the diff modules."""

from __future__ import annotations

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
