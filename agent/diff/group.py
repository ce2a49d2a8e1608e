"""Changes grouped by their root: one schema edit seen from many operations is reported once.

A change to a shared component (``#/components/schemas/simple-user/properties/id`` gaining
``format: int64``) surfaces in every operation whose responses reach it, once per field path
(``owner/id``, ``user/id``, ...). Grouping by rule and by the schema pointers the change sits at
in both documents turns those hundreds of lines into one root change with the list of
operations and fields it affects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.models import LEVEL_ORDER, Change

# Our own sentences name the property as "property 'a/b'" (see diff.scope.sentence).
_FIELD = re.compile(r"property '([^']*)'")


@dataclass(frozen=True)
class Group:
    """One root change: a rule at one place in the documents, and everything it reaches."""

    changes: tuple[Change, ...]

    @property
    def first(self) -> Change:
        """The change that stands for the group (its sentence and level)."""
        return self.changes[0]

    @property
    def root(self) -> str:
        """Where the change sits: the revision's pointer, else the base's, else the operation."""
        src = self.first.source
        return src.revision or src.base or self.first.operation

    @property
    def operations(self) -> list[str]:
        """The operations the root change reaches, in first-seen order."""
        return list(dict.fromkeys(c.operation for c in self.changes if c.operation))

    @property
    def fields(self) -> list[str]:
        """Property paths the change shows up at, as each operation sees them."""
        found = (_FIELD.search(c.text) for c in self.changes)
        return list(dict.fromkeys(m.group(1) for m in found if m and m.group(1)))


def _key(change: Change) -> tuple[str, ...]:
    src = change.source
    if src.base is None and src.revision is None:
        return (change.id, change.fingerprint)  # nothing to share: its own root
    # an operation-level pointer (#/paths/...) is unique to the operation, so only schema
    # changes reached through shared components ever merge
    return (change.id, src.base or "", src.revision or "")


def group(changes: Sequence[Change]) -> list[Group]:
    """Changes grouped by root; the most severe and widest-reaching roots first."""
    by_key: dict[tuple[str, ...], list[Change]] = {}
    for change in changes:
        by_key.setdefault(_key(change), []).append(change)
    groups = [Group(tuple(found)) for found in by_key.values()]
    return sorted(groups, key=lambda g: (-LEVEL_ORDER[g.first.level], -len(g.changes), g.first.id, g.root))
