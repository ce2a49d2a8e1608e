"""The SQLite state store: WAL mode, a busy timeout, one write transaction per call.

Only boundary output is stored: proposals and redactions arrive as models built from
redacted text, and callers pass audit data built from counts, ids and boundary output,
never raw log or spec text. The store also refuses audit data that is not plain JSON, and
masks the credentials of every URL in run config, summaries, audit data, redaction origins
and watermark keys (``agent.urls``).

A run's results (proposals, redactions, the watermarks of the logs they came from) are
written in one transaction (:meth:`SQLiteStore.store_results`): a kill leaves all or none.
Each running run holds a lease (``lease.py``); :meth:`SQLiteStore.recover` marks runs whose
owner is gone ``interrupted``. A full disk or a read-only state dir is a ``StorageError``
naming the file (exit 2), and the failed transaction is rolled back whole.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import tenacity

from agent.errors import UsageError
from agent.identity.audit import AuditEvent as IdentityEvent
from agent.models import Proposal, Redaction
from agent.store import identity_rows
from agent.store.dialect import Executor
from agent.store.failures import translated
from agent.store.lease import LEASES, Lease, Releasable, held
from agent.store.migrations import migrate
from agent.store.records import AuditEvent, Decision, StoredProposal, StoredRun
from agent.store.rows import (
    DECISION_INSERT,
    STATUSES,
    dumps,
    masked,
    put_proposals,
    stored_proposal,
    utc_now,
)
from agent.urls import mask_urls

_RETRY_PAUSE = 0.05  # seconds between tries of the WAL switch


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def _use_wal(db: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch to WAL, retrying while another process holds the file.

    SQLite does not call the busy handler for a journal-mode change: two processes opening a
    fresh database at once get "database is locked" at once, so the wait is ours.
    """
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(_is_locked),
        stop=tenacity.stop_after_delay(busy_timeout),
        wait=tenacity.wait_random(0, 2 * _RETRY_PAUSE),
        reraise=True,
    )
    retrying(db.execute, "PRAGMA journal_mode = WAL")


def api_of(config: dict[str, Any]) -> str | None:
    """The API a run's stored config names: its located spec (``api``), else the spec as given."""
    api = config.get("api", config.get("spec"))
    return api if isinstance(api, str) else None


def same_api(stored: dict[str, Any], mine: dict[str, Any]) -> bool:
    """Whether a stored run was of this API (a row from before ``api`` was recorded: by its spec)."""
    if "api" not in stored:
        return bool(stored.get("spec") == mine.get("spec"))
    return api_of(stored) == api_of(mine)


def _new_run_id() -> str:
    """Sortable by start time, unique across processes."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


# What SQLite says when the user must act, and how we say it.


class SQLiteStore:
    """Durable state in one SQLite file; satisfies :class:`agent.ports.Store`.

    Safe for several processes (WAL, ``BEGIN IMMEDIATE``, busy timeout) and for threads
    sharing one instance (a lock serialises use of the connection).
    """

    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._leases: dict[str, Releasable] = {}
        self._lease_dir = self.path.parent / LEASES
        try:
            self._db = sqlite3.connect(
                self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise translated(self.path, exc) from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            _use_wal(self._db, busy_timeout)
            # WAL + NORMAL never corrupts; a power cut may lose only the last commits, not rows mid-write.
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self.migrations_run = migrate(self._db)
        except sqlite3.Error as exc:
            self._db.close()
            raise translated(self.path, exc) from None

    # -- lifecycle ---------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (a run left open keeps its lease until the process ends)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Executor]:
        """One write transaction; IMMEDIATE takes the lock up front so it never deadlocks.

        On a full disk SQLite may have rolled back already: a second ROLLBACK would hide
        the cause behind "cannot rollback - no transaction is active".
        """
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except (sqlite3.Error, OSError) as exc:
                raise translated(self.path, exc) from None

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            try:
                cursor = self._db.execute(sql, params)
                cursor.row_factory = sqlite3.Row
                return list(cursor.fetchall())
            except sqlite3.Error as exc:
                raise translated(self.path, exc) from None

    # -- leases (the PostgreSQL store holds advisory locks instead) ------------------------
    def _take_lease(self, run_id: str) -> Releasable:
        try:
            return Lease(self._lease_dir, run_id)
        except OSError as exc:
            raise translated(self._lease_dir, exc) from None

    def _held(self, run_id: str) -> bool:
        """Whether a live process (this one included) holds ``run_id``'s lease."""
        return held(self._lease_dir, run_id)

    def _forget_lease(self, run_id: str) -> None:
        """Remove a dead run's lock file."""
        (self._lease_dir / f"{run_id}.lock").unlink(missing_ok=True)

    # -- runs --------------------------------------------------------------------------
    def start_run(self, kind: str, config: dict[str, Any]) -> str:
        """Record a run as started, holding its lease until :meth:`finish_run`; returns its id."""
        run_id = _new_run_id()
        blob = dumps(masked(config))
        lease = self._take_lease(run_id)  # before the row: a `running` row without one is a dead run
        try:
            with self._write() as db:
                db.execute(
                    "INSERT INTO runs (id, kind, status, config, started, stage, pid, host)"
                    " VALUES (?, ?, 'running', ?, ?, 'start', ?, ?)",
                    (run_id, kind, blob, utc_now(), os.getpid(), socket.gethostname()),
                )
        except BaseException:
            lease.release()
            raise
        with self._lock:
            self._leases[run_id] = lease
        return run_id

    def set_stage(self, run_id: str, stage: str) -> None:
        """Record the stage a run has reached (what a later start reports if this one dies)."""
        with self._write() as db:
            db.execute("UPDATE runs SET stage = ? WHERE id = ?", (stage, run_id))

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        """Record how a run ended, then give up its lease."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE runs SET status = ?, summary = ?, finished = ? WHERE id = ?",
                (status, dumps(masked(summary)), utc_now(), run_id),
            )
            if cursor.rowcount == 0:
                raise UsageError(f"no run with id {run_id!r}")
        with self._lock:
            lease = self._leases.pop(run_id, None)
        if lease is not None:
            lease.release()

    def recover(self) -> list[StoredRun]:
        """Mark ``running`` runs whose process is gone ``interrupted``; return them (live runs stay)."""
        with self._write() as db:
            # Under the write lock: a live run cannot finish (and drop its lease) meanwhile.
            running = [row[0] for row in db.execute("SELECT id FROM runs WHERE status = 'running'")]
            dead = [run_id for run_id in running if not self._held(run_id)]
            now = utc_now()
            db.executemany(
                "UPDATE runs SET status = 'interrupted', finished = ? WHERE id = ? AND status = 'running'",
                [(now, run_id) for run_id in dead],
            )
        if not dead:
            return []
        for run_id in dead:
            self._forget_lease(run_id)
        marks = ",".join("?" * len(dead))
        return self._runs(f"SELECT * FROM runs WHERE id IN ({marks}) ORDER BY started, id", dead)

    def runs(self, limit: int = 20) -> list[StoredRun]:
        """The most recent runs, newest first."""
        return self._runs("SELECT * FROM runs ORDER BY started DESC, id DESC LIMIT ?", (limit,))

    def _runs(self, sql: str, params: Sequence[Any]) -> list[StoredRun]:
        return [
            StoredRun(
                id=r["id"],
                kind=r["kind"],
                status=r["status"],
                config=json.loads(r["config"]),
                summary=json.loads(r["summary"]) if r["summary"] is not None else None,
                started=r["started"],
                finished=r["finished"],
                stage=r["stage"],
                pid=r["pid"],
                host=r["host"],
            )
            for r in self._read(sql, params)
        ]

    # -- proposals and decisions -------------------------------------------------------
    def add_proposals(self, run_id: str, proposals: Sequence[Proposal]) -> None:
        """Insert or refresh proposals; a human decision (accepted/rejected/published) is kept."""
        self.store_results(run_id, proposals)

    def store_results(
        self,
        run_id: str,
        proposals: Sequence[Proposal],
        redactions: Sequence[Redaction] = (),
        watermarks: Mapping[str, str] | None = None,
    ) -> None:
        """A run's results in one transaction: proposals, redactions and how far its logs were read.

        A watermark moves only with what was derived from the logs below it: killed before
        this commit, the next run reads those logs again; after it, nothing is lost.
        """
        checked = [Proposal.model_validate(proposal) for proposal in proposals]
        rows = [Redaction.model_validate(r) for r in redactions]
        with self._write() as db:
            put_proposals(db, run_id, checked)
            db.executemany(
                "INSERT INTO redactions (run_id, kind, placeholder, origin, line) VALUES (?, ?, ?, ?, ?)",
                [(run_id, r.kind, r.placeholder, mask_urls(r.origin), r.line) for r in rows],
            )
            now = utc_now()
            db.executemany(
                "INSERT INTO watermarks (key, value, updated) VALUES (?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
                [(mask_urls(key), value, now) for key, value in (watermarks or {}).items()],
            )

    def set_status(self, proposal_id: str, status: str, *, actor: str, reason: str) -> None:
        """Change a proposal's status and record the decision (a no-op if unchanged)."""
        if status not in STATUSES:
            raise UsageError(f"unknown proposal status {status!r}", hint=f"use one of {sorted(STATUSES)}")
        now = utc_now()
        with self._write() as db:
            row = db.execute("SELECT status FROM proposals WHERE id = ?", (proposal_id,)).fetchone()
            if row is None:
                raise UsageError(f"no proposal with id {proposal_id!r}")
            if row[0] == status:
                return
            db.execute(
                "UPDATE proposals SET status = ?, updated = ? WHERE id = ?", (status, now, proposal_id)
            )
            self._decide(db, proposal_id, status, actor, reason, now)

    @staticmethod
    def _decide(db: Executor, proposal_id: str, status: str, actor: str, reason: str, at: str) -> None:
        db.execute(DECISION_INSERT, (proposal_id, actor, status, reason, at))

    def proposals(self, status: str | None = None, run_id: str | None = None) -> list[StoredProposal]:
        """Stored proposals, oldest first, optionally filtered by status and/or run."""
        clauses, params = [], []
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        if run_id is not None:
            clauses.append("run_id = ?")
            params.append(run_id)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._read(f"SELECT * FROM proposals{where} ORDER BY created, id", params)
        return [stored_proposal(r) for r in rows]

    def proposal_ids(
        self, status: str | None = None, run_id: str | None = None, operation: str | None = None
    ) -> list[str]:
        """The ids of stored proposals, oldest first, filtered like :meth:`proposals` (cheap when large)."""
        clauses, params = [], []
        for column, value in (("status", status), ("run_id", run_id), ("operation", operation)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [r["id"] for r in self._read(f"SELECT id FROM proposals{where} ORDER BY created, id", params)]

    def proposal(self, proposal_id: str) -> StoredProposal | None:
        """One stored proposal by id, or None."""
        rows = self._read("SELECT * FROM proposals WHERE id = ?", (proposal_id,))
        return stored_proposal(rows[0]) if rows else None

    def with_status(self, status: str, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored with ``status`` (e.g. the rejected ones a run must not propose)."""
        found: set[str] = set()
        for start in range(0, len(ids), 500):  # SQLite binds at most 999 parameters
            batch = list(ids[start : start + 500])
            marks = ",".join("?" * len(batch))
            sql = f"SELECT id FROM proposals WHERE status = ? AND id IN ({marks})"
            found.update(r["id"] for r in self._read(sql, [status, *batch]))
        return found

    def latest_decisions(self) -> dict[str, Decision]:
        """Each proposal's latest decision, by proposal id."""
        rows = self._read(
            "SELECT proposal_id, actor, status, reason, at FROM decisions"
            " WHERE id IN (SELECT MAX(id) FROM decisions GROUP BY proposal_id)"
        )
        return {r["proposal_id"]: Decision(**dict(r)) for r in rows}

    def unpublished(self) -> list[Proposal]:
        """Proposals kept and stored by runs that then failed or were interrupted, not yet decided.

        A later run carries them on (and stores them under its own id), so each is carried until
        a run finishes with it. Asked during a run, only runs of the same spec count: a store shared
        by many APIs' workers never hands one API's tests to another.
        """
        sql = (
            "SELECT p.*, r.config AS run_config FROM proposals p JOIN runs r ON r.id = p.run_id"
            " WHERE p.status = 'pending' AND r.status IN ('failed', 'interrupted') ORDER BY p.created, p.id"
        )
        mine = self._open_config()
        return [
            stored_proposal(r).to_proposal()
            for r in self._read(sql)
            if mine is None or same_api(json.loads(r["run_config"]), mine)
        ]

    def _open_config(self) -> dict[str, Any] | None:
        """The stored config of the newest run this instance has open, if any."""
        with self._lock:
            open_ids = list(self._leases)
        if not open_ids:
            return None
        rows = self._read("SELECT config FROM runs WHERE id = ?", (max(open_ids),))
        return dict(json.loads(rows[0]["config"])) if rows else None

    def decisions(self, proposal_id: str) -> list[Decision]:
        """Every status change of one proposal, oldest first."""
        rows = self._read(
            "SELECT proposal_id, actor, status, reason, at FROM decisions WHERE proposal_id = ? ORDER BY id",
            (proposal_id,),
        )
        return [Decision(**dict(r)) for r in rows]

    # -- fingerprints --------------------------------------------------------------------
    def seen(self, fingerprint: str) -> bool:
        """Whether a fingerprint was remembered by any earlier run."""
        return bool(self._read("SELECT 1 FROM fingerprints WHERE fingerprint = ?", (fingerprint,)))

    def remember(self, fingerprint: str, kind: str, run_id: str) -> None:
        """Record that a run saw a fingerprint (first and last run are kept)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO fingerprints (fingerprint, kind, first_run, last_run) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(fingerprint) DO UPDATE SET last_run = excluded.last_run",
                (fingerprint, kind, run_id, run_id),
            )

    # -- audit and redactions --------------------------------------------------------------
    def audit(self, run_id: str | None, event: str, data: dict[str, Any]) -> None:
        """Append an audit event; ``data`` must be plain JSON built from boundary output."""
        if not isinstance(data, Mapping):
            raise TypeError("audit data must be a dict")
        blob = dumps(masked(dict(data)))
        with self._write() as db:
            db.execute(
                "INSERT INTO audit (run_id, at, event, data) VALUES (?, ?, ?, ?)",
                (run_id, utc_now(), event, blob),
            )

    def audit_events(self, run_id: str | None) -> list[AuditEvent]:
        """A run's audit events in the order they were written (``None``: events without a run)."""
        sql = "SELECT run_id, at, event, data FROM audit WHERE run_id IS ? ORDER BY id"
        return [
            AuditEvent(run_id=r["run_id"], at=r["at"], event=r["event"], data=json.loads(r["data"]))
            for r in self._read(sql, (run_id,))
        ]

    def add_identity_event(self, event: IdentityEvent) -> None:
        """Append one identity audit row, at once (a crash later keeps it); never a token's value."""
        with self._write() as db:
            db.execute(identity_rows.INSERT, identity_rows.values(event))

    def identity_events(self, run_id: str | None = None) -> list[IdentityEvent]:
        """Identity audit rows in the order they were written: one run's, or all."""
        where, params = (" WHERE run_id = ?", (run_id,)) if run_id is not None else ("", ())
        rows = self._read(f"{identity_rows.SELECT}{where} ORDER BY id", params)
        return [identity_rows.event(r) for r in rows]

    def has_run(self, run_id: str) -> bool:
        """Whether a run with this id was ever started here."""
        return bool(self._read("SELECT 1 FROM runs WHERE id = ?", (run_id,)))

    def open_run(self) -> str | None:
        """The newest run this process has open (its lease held), if any."""
        rows = self._read(
            "SELECT id FROM runs WHERE status = 'running' AND pid = ? AND host = ?"
            " ORDER BY started DESC, id DESC",
            (os.getpid(), socket.gethostname()),
        )
        # a dead process's row with a reused pid has no held lease
        return next((r["id"] for r in rows if self._held(r["id"])), None)

    def add_redactions(self, run_id: str, redactions: Sequence[Redaction]) -> None:
        """Record what was redacted: kind, placeholder, origin, line; never a value."""
        self.store_results(run_id, (), redactions)

    def redactions(self, run_id: str) -> list[Redaction]:
        """A run's redaction report."""
        rows = self._read(
            "SELECT kind, placeholder, origin, line FROM redactions WHERE run_id = ? ORDER BY id", (run_id,)
        )
        return [Redaction(**dict(r)) for r in rows]

    # -- watermarks ----------------------------------------------------------------------
    def get_watermark(self, key: str) -> str | None:
        """The last value stored under ``key``, if any."""
        rows = self._read("SELECT value FROM watermarks WHERE key = ?", (mask_urls(key),))
        return str(rows[0]["value"]) if rows else None

    def set_watermark(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any earlier one."""
        self.store_results("", (), (), {key: value})

    def integrity_check(self) -> str:
        """SQLite's own verdict on the file (``"ok"`` when sound)."""
        return str(self._read("PRAGMA integrity_check")[0][0])
