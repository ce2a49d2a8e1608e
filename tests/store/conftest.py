"""Store tests run against both backends: the embedded SQLite file and a PostgreSQL database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.store import SQLiteStore, open_store
from tests.postgres_kit import PostgresServer

BACKENDS = ["sqlite", "postgres"]


@dataclass(frozen=True)
class Backend:
    """One store to open as often as a test likes: a state dir, or a fresh PostgreSQL database."""

    name: str
    state_dir: Path
    url: str | None = None
    server: PostgresServer | None = None

    def open(self) -> SQLiteStore:
        """The store, as ``open_store`` gives it to the CLI."""
        return open_store(self.state_dir, self.url)

    @property
    def where(self) -> str:
        """How a worker process is told which store to open (a state dir or a URL)."""
        return self.url or str(self.state_dir)

    def stored_text(self) -> bytes:
        """Everything the store holds as a reader of the disk or the database would see it."""
        if self.server is None or self.url is None:
            return b"".join(p.read_bytes() for p in sorted(self.state_dir.glob("state.db*")))
        database = self.url.rsplit("/", 1)[1]
        tables = self.server.sql(
            "SELECT string_agg(tablename, ' ') FROM pg_tables WHERE schemaname = 'postwright'", database
        ).split()
        union = " UNION ALL ".join(f"SELECT t::text FROM postwright.{name} t" for name in tables)
        return self.server.sql(f"SELECT string_agg(x, E'\\n') FROM ({union}) AS rows(x)", database).encode()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each backend in turn; PostgreSQL's password is in this test's PGPASSWORD, never in the URL."""
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path / "state")
    server: PostgresServer = request.getfixturevalue("pg_env")
    return Backend("postgres", tmp_path / "state", server.database(), server)
