"""A mutable intent under construction: provenance accumulates while drafts merge."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from agent.models import Intent, IntentKind, Provenance, fingerprint


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
    signals: list[Provenance] = field(default_factory=list)
    # Observed data (e.g. the request seen in a log) that informs generation but must not split
    # an intent: the first draft's wins.
    observed: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def key(self) -> str:
        """The intent fingerprint: what is tested, never why (so causes merge); computed once."""
        return fingerprint(self.kind.value, self.operation, self.expected_status, self.details)

    def absorb(self, other: Draft) -> None:
        """Take over the provenance of an equal draft."""
        for fp in other.change_fingerprints:
            if fp not in self.change_fingerprints:
                self.change_fingerprints.append(fp)
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
            signals=self.signals,
            details={**self.observed, **self.details},
            fingerprint=self.key,
        )
