"""Builds Change values: rule level, operation, sentence, sources and a stable fingerprint."""

from __future__ import annotations

import heapq
from typing import Any

from agent.diff.catalogue import level
from agent.diff.findings import ValueSummary
from agent.diff.schema import Raw, escape
from agent.diff.scope import rule_for, sentence
from agent.models import LEVEL_ORDER, Change, ChangeSource, fingerprint


def op_pointer(path: str, method: str = "") -> str:
    """JSON pointer of a path item or operation."""
    return f"#/paths/{escape(path)}" + (f"/{method}" if method else "")


class Emitter:
    """Collects changes; one instance per diff run.

    A change is kept as a plain tuple (its sort key first) until it is asked for: a diff of
    145,352 changes (Stripe) then costs tuples, and ``first(n)`` builds only the ``n`` kept
    :class:`Change` objects.
    """

    def __init__(self) -> None:
        self._found: dict[str, tuple[Any, ...]] = {}  # fingerprint -> record; the first one wins

    def add(
        self,
        rule_id: str,
        *,
        path: str = "",
        method: str = "",
        text: str,
        subject: Any = None,
        base: str | None = None,
        revision: str | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Record one change; ``subject`` is what makes it distinct within its operation."""
        method = method.upper()
        found = fingerprint(rule_id, method, path, subject)
        if found not in self._found:
            rank = -LEVEL_ORDER[level(rule_id)]
            self._found[found] = (rank, path, method, rule_id, text, found, base, revision, before, after)

    def __len__(self) -> int:
        """How many distinct changes were found."""
        return len(self._found)

    @property
    def changes(self) -> list[Change]:
        """Every distinct change, errors first."""
        return [_change(r) for r in sorted(self._found.values(), key=_sort_key)]

    def first(self, count: int) -> list[Change]:
        """The first ``count`` changes in :attr:`changes` order, without building the rest."""
        return [_change(r) for r in heapq.nsmallest(count, self._found.values(), key=_sort_key)]

    def emit_schema(
        self, raws: list[Raw], scope: str, where: str, subject: Any, path: str, method: str
    ) -> None:
        """Emit the rule each neutral schema finding maps to in ``scope``."""
        for raw in raws:
            rule_id = rule_for(raw, scope)
            if rule_id is None:
                continue
            self.add(
                rule_id,
                path=path,
                method=method,
                text=sentence(raw, scope, where),
                subject=[subject, list(raw.path), raw.kind, _plain(raw.subject)],
                base=raw.base_ptr,
                revision=raw.rev_ptr,
                before=raw.before,
                after=raw.after,
            )


def _sort_key(record: tuple[Any, ...]) -> tuple[Any, ...]:
    """Level (errors first), path, method, rule, sentence, fingerprint."""
    return record[:6]


def _change(record: tuple[Any, ...]) -> Change:
    rank, path, method, rule_id, text, found, base, revision, before, after = record
    return Change(
        id=rule_id,
        level=level(rule_id),
        operation=f"{method} {path}" if method else path,
        path=path,
        method=method,
        text=text,
        fingerprint=found,
        source=ChangeSource(base=base, revision=revision),
        before=before,
        after=after,
    )


def _plain(value: Any) -> Any:
    """Tuples to lists so fingerprints do not depend on container types."""
    if isinstance(value, ValueSummary):
        return ["values", value.count, value.digest]
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value
