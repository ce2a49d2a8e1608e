"""A throwaway PostgreSQL cluster on 127.0.0.1 for tests (Debian's package, ``make postgres-env``).

``initdb`` into a temp dir with SCRAM auth and a password made here, ``pg_ctl start`` on a free
port, stopped and deleted after. initdb refuses root, so as root the server runs as ``nobody``.
Its fixtures (``postgres``: one cluster per session; ``pg_env``: its password in PGPASSWORD) are
registered for every folder by tests/conftest.py:

    def test_x(postgres: PostgresServer) -> None:
        url = postgres.database()          # a fresh database; the password is in PGPASSWORD
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pytest

USER = "postwright"  # the cluster's superuser
_AS_NOBODY = os.geteuid() == 0


def binaries() -> Path | None:
    """The newest installed ``/usr/lib/postgresql/<ver>/bin`` with initdb and pg_ctl, else PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    """A running cluster: its port, superuser password and a counter for fresh databases."""

    folder: Path
    bin: Path
    port: int
    password: str
    _names: Iterator[int] = field(default_factory=count)

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        """A URL for ``database``; with ``password`` it is inlined (else libpq reads PGPASSWORD)."""
        auth = f"{USER}:{password}@" if password is not None else f"{USER}@"
        return f"postgresql://{auth}127.0.0.1:{self.port}/{database}"

    def env(self) -> dict[str, str]:
        """The environment a client (this process or a worker) needs: the password for libpq."""
        return {"PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "10"}

    def database(self, prefix: str = "t") -> str:
        """Create a new empty database and return its URL (no password in it)."""
        name = f"{prefix}_{next(self._names)}_{secrets.token_hex(3)}"
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the superuser with psql; its output."""
        out = subprocess.run(
            [
                str(self.bin / "psql"),
                "-qAtX",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                self.url(database),
                "-c",
                statement,
            ],
            env={**os.environ, **self.env()},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return out.stdout.strip()


def _as_owner(argv: list[str]) -> list[str]:
    return (
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", *argv]
        if _AS_NOBODY
        else argv
    )


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """Start a cluster, yield it, stop and delete it (skips the test when PostgreSQL is missing)."""
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (make postgres-env installs Debian's postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="pw-pg-"))  # under /tmp: nobody must reach it
    data, password = folder / "data", "p" + secrets.token_urlsafe(18)
    pwfile = folder / "pw"
    pwfile.write_text(password)
    if _AS_NOBODY:
        nobody = pwd.getpwnam("nobody")
        for path in (folder, pwfile):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    os.chmod(folder, 0o700)
    port = _free_port()
    run = {"cwd": folder, "capture_output": True, "text": True, "check": True, "timeout": 120}
    subprocess.run(
        _as_owner(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "--no-locale",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        **run,  # type: ignore[call-overload]
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder}"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    start = [
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(folder / "log"),
        "-o",
        options,
        "-w",
        "start",
    ]
    try:
        subprocess.run(_as_owner(start), **run)  # type: ignore[call-overload]
        yield PostgresServer(folder=folder, bin=bin_dir, port=port, password=password)
    finally:
        stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_owner(stop), capture_output=True, check=False, cwd=folder, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One cluster for the whole session."""
    with running_server() as server:
        yield server


@pytest.fixture
def pg_env(postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> PostgresServer:
    """The cluster with its password in this test's environment (``PGPASSWORD``), as a user sets it."""
    for name, value in postgres.env().items():
        monkeypatch.setenv(name, value)
    return postgres
