"""The bot's durable queue, in the state database (SQLite or PostgreSQL, through the store).

A delivery is remembered by its ``X-GitHub-Delivery`` id: a replay of one that is queued or done
does nothing, a redelivery of one that failed is queued again. Jobs of one pull request run one
at a time in arrival order; a job left ``running`` by a stopped server is queued again at start.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from agent.store import SQLiteStore

Accepted = Literal["queued", "duplicate", "full"]


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class QueuedJob:
    """A job taken from the queue: its row, the pull request key and what the webhook said."""

    seq: int
    delivery: str
    pull: str
    payload: dict[str, Any]


class BotQueue:
    """Deliveries and jobs over a store's connection (its own transactions and lock)."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self._claim_lock = threading.Lock()  # one claimer at a time: per-PR order within a process

    def accept(
        self, delivery: str, event: str, pull: str, payload: dict[str, Any], max_queue: int
    ) -> Accepted:
        """Remember ``delivery`` and queue its job, unless seen (and not failed) or the queue is full."""
        now = _now()
        with self.store._write() as db:
            row = db.execute("SELECT status FROM bot_deliveries WHERE id = ?", (delivery,)).fetchone()
            if row is not None and row[0] != "failed":
                return "duplicate"
            waiting = db.execute(
                "SELECT COUNT(*) FROM bot_jobs WHERE status IN ('queued', 'running')"
            ).fetchone()[0]
            if int(waiting) >= max_queue:
                return "full"
            if row is None:
                db.execute(
                    "INSERT INTO bot_deliveries (id, event, status, received) VALUES (?, ?, 'queued', ?)",
                    (delivery, event, now),
                )
            else:
                db.execute("UPDATE bot_deliveries SET status = 'queued' WHERE id = ?", (delivery,))
            db.execute(
                "INSERT INTO bot_jobs (delivery, pull, payload, status, created, updated)"
                " VALUES (?, ?, ?, 'queued', ?, ?)",
                (delivery, pull, json.dumps(payload, sort_keys=True), now, now),
            )
        return "queued"

    def remember(self, delivery: str, event: str) -> bool:
        """Record a delivery that needs no job; False when it was seen already."""
        with self.store._write() as db:
            if db.execute("SELECT 1 FROM bot_deliveries WHERE id = ?", (delivery,)).fetchone():
                return False
            db.execute(
                "INSERT INTO bot_deliveries (id, event, status, received) VALUES (?, ?, 'done', ?)",
                (delivery, event, _now()),
            )
        return True

    def recover(self) -> int:
        """Queue again the jobs a stopped server left running; how many."""
        with self.store._write() as db:
            cursor = db.execute(
                "UPDATE bot_jobs SET status = 'queued', updated = ? WHERE status = 'running'", (_now(),)
            )
            return int(cursor.rowcount or 0)

    def claim(self) -> QueuedJob | None:
        """The oldest queued job of a pull request with no job running, now marked running."""
        with self._claim_lock, self.store._write() as db:
            row = db.execute(
                "SELECT seq, delivery, pull, payload FROM bot_jobs WHERE status = 'queued'"
                " AND pull NOT IN (SELECT pull FROM bot_jobs WHERE status = 'running')"
                " ORDER BY seq LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE bot_jobs SET status = 'running', updated = ? WHERE seq = ?", (_now(), row[0]))
        return QueuedJob(int(row[0]), str(row[1]), str(row[2]), json.loads(row[3]))

    def finish(self, job: QueuedJob, ok: bool) -> None:
        """Mark the job and its delivery done, or failed (a redelivery is then processed)."""
        status = "done" if ok else "failed"
        with self.store._write() as db:
            db.execute("UPDATE bot_jobs SET status = ?, updated = ? WHERE seq = ?", (status, _now(), job.seq))
            db.execute("UPDATE bot_deliveries SET status = ? WHERE id = ?", (status, job.delivery))

    def counts(self) -> dict[str, int]:
        """Jobs by status."""
        rows = self.store._read("SELECT status, COUNT(*) FROM bot_jobs GROUP BY status")
        return {str(r[0]): int(r[1]) for r in rows}
