"""The type that proves text crossed the inbound boundary.

Only ``agent.boundary`` can construct :class:`Evidence`: its constructor demands a
module-private key. The LLM adapter, the store and the publisher accept ``Evidence``
(or values built from it), never ``str`` from a source.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.models import Redaction

_BOUNDARY_KEY = object()


class Evidence:
    """Redacted, injection-scanned text from one untrusted origin."""

    __slots__ = ("text", "origin", "redactions", "quarantined")

    def __init__(
        self,
        text: str,
        origin: str,
        redactions: Sequence[Redaction],
        quarantined: int = 0,
        *,
        _key: object = None,
    ) -> None:
        if _key is not _BOUNDARY_KEY:
            raise TypeError("Evidence can only be created by agent.boundary")
        self.text = text
        self.origin = origin
        self.redactions = tuple(redactions)
        self.quarantined = quarantined

    def __repr__(self) -> str:
        return f"Evidence(origin={self.origin!r}, chars={len(self.text)}, redactions={len(self.redactions)})"


def seal(text: str, origin: str, redactions: Sequence[Redaction], quarantined: int = 0) -> Evidence:
    """Wrap boundary output; only boundary modules call this."""
    return Evidence(text, origin, redactions, quarantined, _key=_BOUNDARY_KEY)
