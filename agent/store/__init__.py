"""Durable state: runs, proposals, decisions, fingerprints, audit, redactions, watermarks.

>>> store = open_store(Path(".postwright"))   # creates the dir (0700) and state.db
>>> store = open_store(Path(".postwright"), "postgresql://db.internal/postwright")  # shared by workers
"""

from __future__ import annotations

import os
from pathlib import Path

from agent.store.failures import storage_error
from agent.store.records import AuditEvent, Decision, StoredProposal, StoredRun
from agent.store.sqlite import SQLiteStore

DEFAULT_STATE_DIR = Path(".postwright")
DB_NAME = "state.db"

__all__ = [
    "DB_NAME",
    "DEFAULT_STATE_DIR",
    "AuditEvent",
    "Decision",
    "SQLiteStore",
    "StoredProposal",
    "StoredRun",
    "open_store",
]


def open_store(state_dir: Path, state_url: str | None = None) -> SQLiteStore:
    """Open (creating if needed) ``state_dir/state.db``, or the PostgreSQL store at ``state_url``.

    A new state dir is private (0700); it keeps this machine's files either way (``audit.key``).
    """
    if state_url:
        from agent.store.postgres import PostgresStore  # psycopg only when asked for

        return PostgresStore(state_url)
    state_dir = Path(state_dir)
    if not state_dir.exists():
        try:
            state_dir.mkdir(parents=True, mode=0o700, exist_ok=True)
            os.chmod(state_dir, 0o700)  # mkdir's mode is filtered by the umask
        except OSError as exc:
            raise (storage_error(state_dir, exc) or exc) from None
    return SQLiteStore(state_dir / DB_NAME)
