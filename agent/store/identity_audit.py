"""Where identity audit events go: the state database, under the run this process has open, and
the installation's fingerprint key beside it (``audit.key``, 0600, made on first use).

The key stays on this machine: a fingerprint can be matched against a token only by someone who
holds both, and two installations' fingerprints of one token differ.
"""

from __future__ import annotations

import os
import secrets
import stat
import threading
from pathlib import Path

from agent.errors import StorageError
from agent.identity.audit import AuditEvent, fingerprint
from agent.store import open_store
from agent.store.failures import storage_error

KEY_NAME = "audit.key"
KEY_BYTES = 32


class AuditRecorder:
    """Records one target's identity events as they happen (a crash later keeps them).

    An event belongs to the run this process has open in the state database (the pipeline's,
    or verify's own); without one it is kept with no run. Give it to a ``TokenCache`` as both
    ``on_event`` and ``fingerprint``.
    """

    def __init__(self, state_dir: Path, target: str | None, state_url: str | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.target = target
        self.state_url = state_url  # a PostgreSQL store; the key stays in state_dir on this machine
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def fingerprint(self, value: str) -> str:
        """The token's keyed fingerprint under this installation's key."""
        with self._lock:
            if self._key is None:
                self._key = audit_key(self.state_dir)
            key = self._key
        return fingerprint(key, value)

    def __call__(self, event: AuditEvent) -> None:
        with open_store(self.state_dir, self.state_url) as store:
            scoped = event.model_copy(update={"run_id": store.open_run(), "target": self.target})
            store.add_identity_event(scoped)

    def __repr__(self) -> str:
        return f"AuditRecorder(target={self.target!r})"  # never the key


def audit_key(state_dir: Path) -> bytes:
    """The installation's fingerprint key, made (0600, atomically) the first time it is asked for."""
    path = Path(state_dir) / KEY_NAME
    try:
        _create(path)
        if stat.S_IMODE(path.stat().st_mode) & 0o077:  # widened by hand or a copy: readable by others
            os.chmod(path, 0o600)
        key = path.read_bytes()
    except OSError as exc:
        raise (storage_error(path, exc) or exc) from None
    if len(key) != KEY_BYTES:
        raise StorageError(
            f"audit key {path} is damaged ({len(key)} bytes, not {KEY_BYTES})",
            hint="move it away and a new key is made; earlier fingerprints then match no new token",
        )
    return key


def _create(path: Path) -> None:
    """Write a new key unless one exists; two processes at once end with one key, never half of one."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    draft = path.with_name(f".{KEY_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
            out.flush()
            os.fsync(out.fileno())
        os.link(draft, path)  # fails if another process made one meanwhile: theirs is kept
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)
