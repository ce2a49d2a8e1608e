"""The PostgreSQL state store, for workers on several machines (``state_url = "postgresql://…"``).

It runs :class:`~agent.store.sqlite.SQLiteStore`'s statements and migrations, rewritten by
``dialect.py``; what differs is here: the connection (libpq: the password comes from
``PGPASSWORD``/``PGPASSFILE`` or a ``${VAR}`` in the URL, never from stored text), the schema
(``postwright``, whatever database it is given: never another application's tables), the write
lock and the run leases.

- Writes: every write transaction first takes one transaction-level advisory lock, so writes
  are serialised across machines as SQLite serialises them across processes; the proposal
  upsert's read-then-write cannot race.
- Leases: a running run holds a session-level advisory lock keyed by its id. PostgreSQL drops it
  when the holding connection ends (a killed worker's socket closes), so "nobody holds it"
  means "its owner is gone", as with ``flock``; :meth:`recover` marks those runs interrupted.
- Connect directly or through a session-mode pool: a transaction-mode pooler (PgBouncer's
  default) would hand the session locks to whichever client runs next.
- Claims: a run of a spec holds a session-level lock on that spec (``url_key``: credentials
  dropped) from :meth:`start_run` to :meth:`finish_run`, so two workers never run the same API at
  once: the second says so on stderr and waits (up to ``claim_timeout``, then a StorageError);
  :meth:`claim` takes any such key, waiting or not.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import RowMaker

from agent.errors import StorageError
from agent.store.dialect import Row, postgres_params, postgres_sql
from agent.store.migrations import MIGRATIONS, apply, migration_name
from agent.store.sqlite import SQLiteStore, api_of
from agent.urls import mask_url, mask_urls, url_key

SCHEMA = "postwright"
# Advisory lock namespaces (the two-key form: never the same lock as a one-key lock of another app).
_WRITES, _RUNS, _CLAIMS = 0x70770001, 0x70770002, 0x70770003

# The server probes an idle worker's socket, so a worker whose machine vanished (no FIN) loses its
# leases and claims within about two minutes, not the kernel's default two hours.
_KEEPALIVE = "-c tcp_keepalives_idle=60 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=6"
# What libpq says when the user must act, how we say it and what to do (first match wins).
_CREDENTIALS = "set PGPASSWORD or PGPASSFILE, or a ${VAR} in state_url, for a role that may log in"
_REACH = "is the server running and is state_url's host and port right?"
_GONE = "run again: what the failed transaction wrote was rolled back whole"
_FIXABLE = (
    ("password authentication failed", "the server refused the credentials", _CREDENTIALS),
    ("no password supplied", "the server asks for a password and none was given", _CREDENTIALS),
    ('role "', "the server refused the credentials", _CREDENTIALS),  # role "x" does not exist
    ("does not exist", "the database does not exist", "create it (createdb) or fix state_url"),
    (
        "permission denied",
        "this user may not use it",
        "give the role a schema postwright, or CREATE on the database",
    ),
    ("connection refused", "the server cannot be reached", _REACH),
    ("could not translate host name", "the server cannot be reached", _REACH),
    ("timeout expired", "the server cannot be reached", _REACH),
    ("no such file or directory", "the server cannot be reached", _REACH),
    ("server closed the connection", "the server closed the connection", _GONE),
    ("terminating connection", "the server closed the connection", _GONE),
    ("the connection is closed", "the server closed the connection", _GONE),
    ("consuming input failed", "the server closed the connection", _GONE),
)


def _row_factory(cursor: psycopg.Cursor[Any]) -> RowMaker[Row]:
    names = tuple(column.name for column in cursor.description or ())
    return lambda values: Row(values, names)


def _key(text: str) -> int:
    """A signed 32-bit lock key for ``text`` (a collision only makes a dead run look alive)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big", signed=True)


class _Connection:
    """psycopg's connection speaking the store's SQLite dialect (the shared statements run unchanged)."""

    def __init__(self, conn: psycopg.Connection[Row]) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Row]:
        return self.conn.execute(postgres_sql(sql), postgres_params(parameters))

    def executemany(self, sql: str, parameters: Sequence[Sequence[Any]], /) -> psycopg.Cursor[Row]:
        cursor = self.conn.cursor()
        rows = [postgres_params(p) for p in parameters]
        if rows:
            cursor.executemany(postgres_sql(sql), rows)
        return cursor


class _AdvisoryLease:
    """A run's session-level advisory lock on the store's connection, held until :meth:`release`."""

    def __init__(self, store: PostgresStore, key: int) -> None:
        self.store, self.key = store, key

    def release(self) -> None:
        self.store._unlock(_RUNS, self.key)


class PostgresStore(SQLiteStore):
    """Durable state in a PostgreSQL schema; satisfies :class:`agent.ports.Store`.

    Shares every query with :class:`SQLiteStore`; safe for workers on many machines.
    """

    def __init__(  # no super(): there is no file
        self, url: str, *, connect_timeout: int = 10, claim_timeout: float = 3600.0
    ) -> None:
        self.claim_timeout = claim_timeout
        self._claims: dict[str, int] = {}  # run id -> the API lock it holds
        self.where = mask_url(url)  # what errors and reprs name: never a password
        self._lock = threading.RLock()
        self._leases = {}
        try:
            conn = psycopg.connect(
                url,
                autocommit=True,
                row_factory=_row_factory,
                connect_timeout=connect_timeout,
                application_name="postwright",
                options=f"-c search_path={SCHEMA} {_KEEPALIVE}",
            )
        except psycopg.Error as exc:
            raise self._failure(exc) from None
        self._conn = conn
        self._pg = _Connection(conn)
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (_WRITES,))
                # a DBA may have made the schema for a role with no right to make one: look first
                if not conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,)).fetchone():
                    conn.execute(f"CREATE SCHEMA {SCHEMA}")
                self.migrations_run = apply(self._pg)
        except psycopg.Error as exc:
            conn.close()
            raise self._failure(exc) from None

    def __enter__(self) -> PostgresStore:
        return self

    def __repr__(self) -> str:
        return f"PostgresStore({self.where!r})"

    def _failure(self, exc: psycopg.Error) -> BaseException:
        """A one-line StorageError naming the masked URL when the user can fix the cause."""
        text = str(exc).strip()
        lowered = text.lower()
        found = next(((why, hint) for key, why, hint in _FIXABLE if key in lowered), None)
        if found is None and not isinstance(exc, psycopg.OperationalError):
            return exc
        reason, hint = found or ("the server failed", _GONE)
        # libpq's first line ends with the server's own words: "... port 5432 failed: FATAL: ..."
        detail = (text.splitlines() or [type(exc).__name__])[0].rsplit(" failed: ", 1)[-1]
        return StorageError(f"state store {self.where}: {reason} ({mask_urls(detail)})", hint=hint)

    # -- connection and transactions -----------------------------------------------------
    def close(self) -> None:
        """Close the connection; PostgreSQL drops every lease and claim it held."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[_Connection]:
        """One write transaction under the store-wide write lock (released at commit or rollback)."""
        with self._lock:
            try:
                with self._conn.transaction():
                    self._conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (_WRITES,))
                    yield self._pg
            except psycopg.Error as exc:
                raise self._failure(exc) from None

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._pg.execute(sql, params).fetchall()
            except psycopg.Error as exc:
                raise self._failure(exc) from None

    # -- runs: one worker per API at a time ------------------------------------------------
    def start_run(self, kind: str, config: dict[str, Any]) -> str:
        """Claim the run's API (its spec) for this worker, waiting for another's run of it, then start."""
        spec = api_of(config)
        lock = _key(f"run:{url_key(spec)}") if spec is not None else None
        if lock is not None:
            self._claim_api(lock, str(spec))
        try:
            run_id = super().start_run(kind, config)
        except BaseException:
            if lock is not None:
                self._unlock(_CLAIMS, lock)
            raise
        if lock is not None:
            with self._lock:
                self._claims[run_id] = lock
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        """Record how the run ended, then give up its lease and its API."""
        super().finish_run(run_id, status, summary)
        with self._lock:
            lock = self._claims.pop(run_id, None)
        if lock is not None:
            self._unlock(_CLAIMS, lock)

    def _claim_api(self, lock: int, spec: str) -> None:
        if self._try_lock(_CLAIMS, lock):
            return
        shown = url_key(spec)
        sys.stderr.write(f"postwright: another worker is running {shown}; waiting for it to finish\n")
        with self._lock:
            try:
                self._conn.execute(f"SET lock_timeout = '{int(self.claim_timeout * 1000)}ms'")
                try:
                    self._conn.execute("SELECT pg_advisory_lock(%s, %s)", (_CLAIMS, lock))
                finally:
                    self._conn.execute("RESET lock_timeout")
            except psycopg.errors.LockNotAvailable:
                raise StorageError(
                    f"another worker still runs {shown} after {self.claim_timeout:g} s: this run is skipped",
                    hint="run it again once that one has finished",
                ) from None
            except psycopg.Error as exc:
                raise self._failure(exc) from None

    # -- leases and claims -----------------------------------------------------------------
    def _take_lease(self, run_id: str) -> _AdvisoryLease:
        key = _key(run_id)
        if not self._try_lock(_RUNS, key):  # only a live run whose id hashes alike: never wait on it
            raise StorageError(f"state store {self.where}: run lease {run_id} is taken; start the run again")
        return _AdvisoryLease(self, key)

    def _held(self, run_id: str) -> bool:
        """Whether any session (this one included) holds the run's advisory lock."""
        rows = self._read(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted"
            " AND classid = ?::bigint::oid AND objid = (?::bigint & 4294967295)::oid",
            (_RUNS, _key(run_id)),
        )
        return bool(rows)

    def _forget_lease(self, run_id: str) -> None:
        """Nothing to remove: a dead session's advisory lock is gone with it."""

    def _try_lock(self, space: int, key: int) -> bool:
        rows = self._read("SELECT pg_try_advisory_lock(?, ?)", (space, key))
        return bool(rows[0][0])

    def _unlock(self, space: int, key: int) -> None:
        with self._lock:
            if not self._conn.closed:
                self._read("SELECT pg_advisory_unlock(?, ?)", (space, key))

    @contextmanager
    def claim(self, key: str, *, wait: bool = True) -> Iterator[bool]:
        """Hold ``key`` (e.g. an API's config) for the block: yields False at once if another worker
        holds it and ``wait`` is False, else waits for it. Dropped with the connection."""
        lock = _key(key)
        if wait:
            with self._lock:
                try:
                    self._conn.execute("SELECT pg_advisory_lock(%s, %s)", (_CLAIMS, lock))
                except psycopg.Error as exc:
                    raise self._failure(exc) from None
            got = True
        else:
            got = self._try_lock(_CLAIMS, lock)
        try:
            yield got
        finally:
            if got:
                self._unlock(_CLAIMS, lock)

    def integrity_check(self) -> str:
        """PostgreSQL checks its own pages; here ``"ok"`` means every migration is recorded."""
        done = {r[0] for r in self._read("SELECT name FROM _migrations")}
        return "ok" if {migration_name(m) for m in MIGRATIONS} <= done else "migrations missing"
