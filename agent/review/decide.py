"""Recording decisions: who (the OS user or ``--as``), what, why; each stored the moment it is made."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass

from agent.errors import UsageError
from agent.store import SQLiteStore

ACCEPT_REASON = "accepted in review"


def actor(name: str | None) -> str:
    """Who decides: ``--as NAME`` or the OS user."""
    if name is not None:
        name = name.strip()
        if not name or len(name) > 100 or not name.isprintable():
            raise UsageError("--as: give a printable name of at most 100 characters")
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (a bare container)
        return "unknown"


def reason_of(text: str | None) -> str:
    """A rejection reason: one line, not empty."""
    line = " ".join((text or "").split())
    if not line:
        raise UsageError("a rejection needs a reason", hint='--reject ID... --reason "why"')
    return line[:500]


@dataclass
class Tally:
    """What one review did."""

    accepted: int = 0
    rejected: int = 0
    skipped: int = 0


class Decider:
    """Stores decisions for one reviewer and counts them."""

    def __init__(self, store: SQLiteStore, who: str) -> None:
        self.store = store
        self.who = who
        self.tally = Tally()

    def accept(self, ids: Sequence[str]) -> None:
        for proposal_id in ids:
            self.store.set_status(proposal_id, "accepted", actor=self.who, reason=ACCEPT_REASON)
            self.tally.accepted += 1

    def reject(self, ids: Sequence[str], reason: str) -> None:
        why = reason_of(reason)
        for proposal_id in ids:
            self.store.set_status(proposal_id, "rejected", actor=self.who, reason=why)
            self.tally.rejected += 1

    def skip(self, ids: Sequence[str]) -> None:
        self.tally.skipped += len(ids)
