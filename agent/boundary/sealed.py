"""The type that proves text crossed the inbound boundary.

Only ``agent.boundary`` can construct :class:`Evidence`: its constructor demands a
module-private key. The LLM adapter, the store and the publisher accept ``Evidence``
(or values built from it), never ``str`` from a source.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from agent.models import Redaction

_BOUNDARY_KEY = object()


class Evidence:
    """Redacted, injection-scanned text from one untrusted origin."""

    __slots__ = ("text", "origin", "redactions", "quarantined", "line_numbers")

    def __init__(
        self,
        text: str,
        origin: str,
        redactions: Sequence[Redaction],
        quarantined: int = 0,
        *,
        line_numbers: Sequence[int] | None = None,
        _key: object = None,
    ) -> None:
        if _key is not _BOUNDARY_KEY:
            raise TypeError("Evidence can only be created by agent.boundary")
        self.text = text
        self.origin = origin
        self.redactions = tuple(redactions)
        self.quarantined = quarantined
        # An excerpt of a longer text: the original (1-based) number of each "\n"-separated line.
        self.line_numbers = tuple(line_numbers) if line_numbers is not None else None

    def lines(self) -> Iterator[tuple[int, str]]:
        """(original line number, line) for every line of the text, excerpt or whole."""
        if self.line_numbers is None:
            return enumerate(self.text.splitlines(), start=1)
        return zip(self.line_numbers, self.text.split("\n") if self.line_numbers else [], strict=True)

    def __repr__(self) -> str:
        return f"Evidence(origin={self.origin!r}, chars={len(self.text)}, redactions={len(self.redactions)})"


def seal(
    text: str,
    origin: str,
    redactions: Sequence[Redaction],
    quarantined: int = 0,
    *,
    line_numbers: Sequence[int] | None = None,
) -> Evidence:
    """Wrap boundary output; only boundary modules call this.

    ``line_numbers`` marks ``text`` as an excerpt: its lines (joined by ``"\n"``) carry these
    numbers in the original text, so readers can say where each line came from.
    """
    if line_numbers is not None and len(line_numbers) != (text.count("\n") + 1 if line_numbers else 0):
        raise ValueError("an excerpt needs one line number per line")
    return Evidence(text, origin, redactions, quarantined, line_numbers=line_numbers, _key=_BOUNDARY_KEY)
