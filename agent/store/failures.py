"""Store failures the user can fix (a full disk, a read-only folder) as one-line StorageErrors."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from agent.errors import StorageError

_USER_FIXABLE = {
    "database or disk is full": "the disk is full",
    "unable to open database file": "it cannot be opened (is its folder writable?)",
    "readonly database": "it is read-only",
    "disk i/o error": "the disk refused a write (full or read-only?)",
    "database is locked": "another process holds it locked",
}
_OS_FIXABLE = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "it is read-only",
    errno.EACCES: "it is read-only for this user",
    errno.EPERM: "it is read-only for this user",
}


def storage_error(path: Path, exc: BaseException) -> StorageError | None:
    """The one-line user error for ``exc`` while using ``path``, if the user can fix it."""
    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        reason = next((why for key, why in _USER_FIXABLE.items() if key in text), None)
    elif isinstance(exc, OSError):
        reason = _OS_FIXABLE.get(exc.errno or 0)
    else:
        reason = None
    if reason is None:
        return None
    detail = exc.strerror if isinstance(exc, OSError) else str(exc)
    return StorageError(
        f"state store {path}: {reason} ({detail})",
        hint="free space or make it writable, or set state_dir to another folder; nothing stored was lost",
    )


def translated(path: Path, exc: BaseException) -> BaseException:
    """``exc`` as a StorageError when the user can fix it, else unchanged."""
    return storage_error(path, exc) or exc
