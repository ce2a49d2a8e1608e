"""No silent outcomes: a run that kept no test says so, with the reasons, and exits 1."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator

from agent.errors import ChecksFailed
from agent.events import Event, Notice
from agent.models import RunSummary

# A dropped proposal's notice (a drift one too): "<id> <operation>: <finding code>: <message>".
_DROPPED = re.compile(r"^pw-\S+ .*?: ([a-z0-9-]+): ")
TOP_REASONS = 3


class DropTally:
    """Counts why proposals were dropped while the events pass through to ``follow``."""

    def __init__(self) -> None:
        self.reasons: Counter[str] = Counter()

    def watch(self, events: Iterable[Event]) -> Iterator[Event]:
        """``events`` unchanged; closing this closes them too (Ctrl-C ends the run at once)."""
        inner = iter(events)
        try:
            for event in inner:
                if isinstance(event, Notice) and event.finding.code in ("dropped", "drift"):
                    found = _DROPPED.match(event.finding.message)
                    self.reasons[found.group(1) if found else "other"] += 1
                yield event
        finally:
            close = getattr(inner, "close", None)
            if close is not None:
                close()


def refuse_if_none_kept(summary: RunSummary, tally: DropTally) -> None:
    """Raise ``ChecksFailed`` (exit 1) when proposals were made but none was kept."""
    if summary.kept or not summary.dropped:
        return
    top = ", ".join(f"{code} ×{count}" for code, count in tally.reasons.most_common(TOP_REASONS))
    raise ChecksFailed(
        f"0 tests kept of {summary.dropped} proposals" + (f"; top reasons: {top}" if top else "")
    )
