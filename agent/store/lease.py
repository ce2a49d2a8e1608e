"""Run leases: a lock file per running run, held by the live process, released by the kernel on death.

A run's row says ``running`` while its process works. If the process is killed the row
cannot say otherwise, so each run also holds an exclusive ``flock`` on
``<state dir>/leases/<run id>.lock``. The kernel drops the lock when the process dies
(SIGKILL included) and never while it lives, so "the lock can be taken" means "its owner is
gone": no clock, heartbeat or expiry to misjudge. ``flock`` locks belong to an open file,
so two runs in one process (threads) exclude each other too. The state dir must be on a
local file system (``flock`` over NFS is not reliable).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Protocol

LEASES = "leases"


class Releasable(Protocol):
    """A run's lease as the store keeps it: a lock file here, an advisory lock in PostgreSQL."""

    def release(self) -> None: ...


class Lease:
    """An exclusive lock on one run's lock file, held until :meth:`release`."""

    def __init__(self, folder: Path, run_id: str) -> None:
        folder.mkdir(mode=0o700, exist_ok=True)
        self.path = folder / f"{run_id}.lock"
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a fresh run id: nobody else has it

    def release(self) -> None:
        """Remove the lock file, then drop the lock (after the row says how the run ended)."""
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def held(folder: Path, run_id: str) -> bool:
    """Whether a live process holds ``run_id``'s lease (no lock file: nobody does)."""
    try:
        fd = os.open(folder / f"{run_id}.lock", os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock we took
    return False
