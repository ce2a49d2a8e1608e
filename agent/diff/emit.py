"""Builds Change values: rule level, operation, sentence, sources and a stable fingerprint."""

from __future__ import annotations

from typing import Any

from agent.diff.catalogue import level
from agent.diff.findings import ValueSummary
from agent.diff.schema import Raw, escape
from agent.diff.scope import rule_for, sentence
from agent.models import Change, ChangeSource, fingerprint


def op_pointer(path: str, method: str = "") -> str:
    """JSON pointer of a path item or operation."""
    return f"#/paths/{escape(path)}" + (f"/{method}" if method else "")


class Emitter:
    """Collects changes; one instance per diff run."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

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
        operation = f"{method.upper()} {path}" if method else path
        self.changes.append(
            Change(
                id=rule_id,
                level=level(rule_id),
                operation=operation,
                path=path,
                method=method.upper(),
                text=text,
                fingerprint=fingerprint(rule_id, method.upper(), path, subject),
                source=ChangeSource(base=base, revision=revision),
                before=before,
                after=after,
            )
        )

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


def _plain(value: Any) -> Any:
    """Tuples to lists so fingerprints do not depend on container types."""
    if isinstance(value, ValueSummary):
        return ["values", value.count, value.digest]
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value
