"""A mutable intent under construction: provenance accumulates while drafts merge."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from agent.models import Change, ChangeRule, Intent, IntentKind, Provenance, fingerprint


@dataclass
class Draft:
    """An intent before it is frozen; equal keys merge their provenance."""

    kind: IntentKind
    operation: str
    path: str
    method: str
    expected_status: str
    text: str
    details: dict[str, Any] = field(default_factory=dict)
    change_fingerprints: list[str] = field(default_factory=list)
    change_rules: list[ChangeRule] = field(default_factory=list)
    signals: list[Provenance] = field(default_factory=list)
    # Observed data (e.g. the request seen in a log) that informs generation but must not split
    # an intent: the first draft's wins.
    observed: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def key(self) -> str:
        """The intent fingerprint: what is tested, never why (so causes merge); computed once."""
        return fingerprint(self.kind.value, self.operation, self.expected_status, self.details)

    def cover(self, change: Change) -> None:
        """Record that this draft tests ``change`` (its fingerprint, rule id, level and sentence)."""
        self._cover(
            ChangeRule(
                fingerprint=change.fingerprint,
                id=change.id,
                level=change.level,
                operation=change.operation,
                text=change.text,
            )
        )

    def _cover(self, rule: ChangeRule) -> None:
        if rule.fingerprint not in self.change_fingerprints:
            self.change_fingerprints.append(rule.fingerprint)
            self.change_rules.append(rule)

    def absorb(self, other: Draft) -> None:
        """Take over the provenance of an equal draft."""
        for rule in other.change_rules:
            self._cover(rule)
        for sig in other.signals:
            if sig not in self.signals:
                self.signals.append(sig)

    def freeze(self) -> Intent:
        """The immutable intent."""
        return Intent(
            kind=self.kind,
            operation=self.operation,
            path=self.path,
            method=self.method,
            expected_status=self.expected_status,
            text=self.text,
            change_fingerprints=sorted(self.change_fingerprints),
            change_rules=sorted(self.change_rules, key=lambda r: r.fingerprint),
            signals=self.signals,
            details={**self.observed, **self.details},
            fingerprint=self.key,
        )
