"""The proposals under review: ids read up front, each proposal read from the store when shown."""

from __future__ import annotations

from dataclasses import dataclass

from agent.errors import UsageError
from agent.store import SQLiteStore, StoredProposal


@dataclass(frozen=True)
class Filters:
    """Which proposals to review: a run, an operation ("GET /pets"), an intent kind."""

    run_id: str | None = None
    operation: str | None = None
    kind: str | None = None

    def ids(self, store: SQLiteStore, status: str | None = "pending") -> list[str]:
        """Matching ids, oldest first; the kind lives in the stored intent, so it is read for those only."""
        ids = store.proposal_ids(status, self.run_id, self.operation)
        if self.kind is None:
            return ids
        return [i for i in ids if (p := store.proposal(i)) is not None and kind_of(p) == self.kind]

    def check(self, store: SQLiteStore) -> None:
        """A --run that names no run is a one-line error, not an empty review."""
        if self.run_id is not None and not store.has_run(self.run_id):
            raise UsageError(
                f"--run: no run with id {self.run_id!r}", hint="postwright review --list shows runs"
            )


def kind_of(p: StoredProposal) -> str | None:
    """The intent kind of a stored proposal (happy-path, regression, …)."""
    intent = p.provenance.get("intent")
    return intent.get("kind") if isinstance(intent, dict) else None


class ReviewQueue:
    """Pending proposals in order; a proposal is read when it is shown, so 10,000 open at once."""

    def __init__(self, store: SQLiteStore, filters: Filters = Filters()) -> None:
        self.store = store
        self.ids = filters.ids(store)
        self.position = 0

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def done(self) -> bool:
        return self.position >= len(self.ids)

    def current(self) -> StoredProposal:
        """The proposal at the current position, as stored now."""
        found = self.store.proposal(self.ids[self.position])
        if found is None:  # removed under us: cannot happen with this store, say so if it does
            raise UsageError(f"proposal {self.ids[self.position]} is no longer stored")
        return found

    def advance(self) -> None:
        self.position += 1

    def remaining(self) -> list[str]:
        """The ids from the current position on."""
        return self.ids[self.position :]

    def jump(self, text: str) -> bool:
        """Move to the first id that starts with ``text`` (with or without ``pw-``); False if none."""
        wanted = text.strip()
        for index, proposal_id in enumerate(self.ids):
            if proposal_id.startswith(wanted) or proposal_id.startswith(f"pw-{wanted}"):
                self.position = index
                return True
        return False
