"""Ordered schema migrations for the state database (simonw/llm style).

Each migration is a function taking a connection; ``_migrations`` records which ran.
Append new functions to :data:`MIGRATIONS`; never edit or reorder ones that shipped.
They are written once, in SQLite's dialect; the PostgreSQL store runs the same functions through
``dialect.postgres_sql`` (its own transaction and lock around :func:`apply`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from agent.store.dialect import Executor

Migration = Callable[[Executor], None]


def _m001_initial(db: Executor) -> None:
    """Runs, proposals, decisions, fingerprints, audit, redactions."""
    statements = [
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            config TEXT NOT NULL,
            summary TEXT,
            started TEXT NOT NULL,
            finished TEXT
        )""",
        """CREATE TABLE proposals (
            id TEXT PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs(id),
            fingerprint TEXT NOT NULL,
            generator TEXT NOT NULL,
            operation TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('pending', 'accepted', 'rejected', 'published', 'dropped')),
            item TEXT NOT NULL,
            findings TEXT NOT NULL,
            provenance TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        )""",
        "CREATE INDEX proposals_status ON proposals(status)",
        "CREATE INDEX proposals_run ON proposals(run_id)",
        """CREATE TABLE decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            proposal_id TEXT NOT NULL REFERENCES proposals(id),
            actor TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        "CREATE INDEX decisions_proposal ON decisions(proposal_id)",
        """CREATE TABLE fingerprints (
            fingerprint TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            first_run TEXT NOT NULL,
            last_run TEXT NOT NULL
        )""",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT,
            at TEXT NOT NULL,
            event TEXT NOT NULL,
            data TEXT NOT NULL
        )""",
        "CREATE INDEX audit_run ON audit(run_id)",
        """CREATE TABLE redactions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            placeholder TEXT NOT NULL,
            origin TEXT NOT NULL,
            line INTEGER
        )""",
        "CREATE INDEX redactions_run ON redactions(run_id)",
    ]
    for statement in statements:
        db.execute(statement)


def _m002_watermarks(db: Executor) -> None:
    """Per-source high-water marks (e.g. the last Airflow run seen)."""
    db.execute(
        """CREATE TABLE watermarks (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated TEXT NOT NULL
        )"""
    )


def _m003_run_leases(db: Executor) -> None:
    """Who runs a run (pid, host) and the stage it reached, for runs a kill left ``running``."""
    for column in ("stage TEXT", "pid INTEGER", "host TEXT"):
        db.execute(f"ALTER TABLE runs ADD COLUMN {column}")


def _m004_old_and_new(db: Executor) -> None:
    """A proposal's drift finding (JSON, redacted) and whether it catches the old API (NULL: not run)."""
    for column in ("drift TEXT", "catches_old INTEGER"):
        db.execute(f"ALTER TABLE proposals ADD COLUMN {column}")


def _m005_identity_audit(db: Executor) -> None:
    """Every use of an identity: a token issued, refreshed, refused or failed, described by a keyed
    fingerprint (never the value); scopes and audiences as JSON lists."""
    db.execute(
        """CREATE TABLE identity_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT,
            at TEXT NOT NULL,
            target TEXT,
            source TEXT NOT NULL,
            client_id TEXT,
            subject TEXT,
            audience TEXT NOT NULL,
            scopes TEXT NOT NULL,
            expires_at TEXT,
            fingerprint TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('issued', 'refreshed', 'refused', 'failed')),
            reason TEXT
        )"""
    )
    db.execute("CREATE INDEX identity_audit_run ON identity_audit(run_id)")


def _m006_bot_queue(db: Executor) -> None:
    """The PR bot's webhook deliveries (replays do nothing) and its durable job queue."""
    db.execute(
        """CREATE TABLE bot_deliveries (
            id TEXT PRIMARY KEY,
            event TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('queued', 'done', 'failed')),
            received TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE bot_jobs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            delivery TEXT NOT NULL REFERENCES bot_deliveries(id),
            pull TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX bot_jobs_status ON bot_jobs(status, pull)")


MIGRATIONS: list[Migration] = [
    _m001_initial,
    _m002_watermarks,
    _m003_run_leases,
    _m004_old_and_new,
    _m005_identity_audit,
    _m006_bot_queue,
]


def migration_name(fn: Migration) -> str:
    """The name recorded in ``_migrations`` (the function name without the leading underscore)."""
    return fn.__name__.lstrip("_")


def migrate(db: sqlite3.Connection) -> list[str]:
    """Run pending migrations in one write transaction; return the names that ran.

    ``BEGIN IMMEDIATE`` takes the write lock first, so two processes opening a fresh
    database at once cannot both run the same migration.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        ran = apply(db)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # SQLite already rolled back after some errors (a full disk)
            db.execute("ROLLBACK")
        raise
    return ran


def apply(db: Executor) -> list[str]:
    """Run the migrations ``_migrations`` does not list, inside the caller's (locked) transaction."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    ran: list[str] = []
    for fn in MIGRATIONS:
        name = migration_name(fn)
        if name in done:
            continue
        fn(db)
        db.execute(
            "INSERT INTO _migrations (name, applied) VALUES (?, ?)",
            (name, datetime.now(UTC).isoformat()),
        )
        ran.append(name)
    return ran
