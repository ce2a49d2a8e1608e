"""The identity audit in the state database (m005): rows written at once, scoped to the run this
process has open, URLs masked, outcomes checked; the fingerprint key beside the database."""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.errors import StorageError
from agent.identity.audit import AuditEvent, fingerprint
from agent.identity.token import AccessToken, TokenCache
from agent.runner.credentials import TargetToken
from agent.store import open_store
from agent.store.identity_audit import KEY_BYTES, KEY_NAME, AuditRecorder, audit_key
from agent.store.migrations import MIGRATIONS, migrate, migration_name
from tests.store.conftest import Backend


def _event(outcome: str = "issued", **extra: object) -> AuditEvent:
    values: dict[str, object] = {
        "outcome": outcome,
        "source": "client-credentials",
        "at": datetime(2026, 12, 3, 21, 0, tzinfo=UTC),
        "client_id": "cid",
        "subject": "svc",
        "audience": ("https://api.test/",),
        "scopes": ("read", "write"),
        "expires_at": datetime(2026, 12, 3, 22, 0, tzinfo=UTC),
        "fingerprint": "ab" * 16,
    }
    return AuditEvent.model_validate({**values, **extra})


def test_m005_adds_the_table_to_a_database_of_m004(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    before = [m for m in MIGRATIONS if migration_name(m) != "m005_identity_audit"]
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
    for fn in before:
        fn(db)
        db.execute("INSERT INTO _migrations VALUES (?, 'then')", (migration_name(fn),))
    assert migrate(db) == ["m005_identity_audit"] and migrate(db) == []
    db.close()
    with open_store(tmp_path / "state") as store:  # and a fresh one has it too
        store.add_identity_event(_event())
        assert len(store.identity_events()) == 1


@pytest.mark.parametrize(
    "event",
    [
        _event(),
        _event("refreshed", client_id=None, subject=None, scopes=()),
        _event("refused", reason="the target answered 401"),
        _event("failed", fingerprint=None, expires_at=None, reason="token source 'x': unreachable"),
        _event("issued", audience=(), target="https://api.test/v1", run_id=None),
    ],
)
def test_rows_round_trip(backend: Backend, event: AuditEvent) -> None:
    with backend.open() as store:
        store.add_identity_event(event)
        assert store.identity_events() == [event]


def test_urls_are_masked_and_rows_are_per_run(backend: Backend) -> None:
    leaked = "pw" + secrets.token_hex(8)
    with backend.open() as store:
        store.add_identity_event(
            _event(
                "failed",
                run_id="r1",
                target=f"https://u:{leaked}@api.test/",
                reason=f"unreachable at https://idp.test/token?client_secret={leaked}",
                audience=(f"https://api.test/?access_token={leaked}",),
            )
        )
        store.add_identity_event(_event(run_id="r2"))
        one, two = store.identity_events("r1"), store.identity_events("r2")
        assert len(one) == len(two) == 1 and len(store.identity_events()) == 2
        assert leaked not in one[0].model_dump_json()
    assert leaked.encode() not in backend.stored_text()


def test_an_unknown_outcome_is_refused_by_the_table(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.add_identity_event(_event())
    db = sqlite3.connect(tmp_path / "state.db")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE identity_audit SET outcome = 'used'")
    db.close()


def test_open_run_is_this_process_newest_live_run(backend: Backend) -> None:
    with backend.open() as store, backend.open() as recorder:  # the recorder opens its own
        assert store.open_run() is None
        first = store.start_run("run", {})
        assert store.open_run() == first == recorder.open_run()
        second = store.start_run("verify", {})
        assert store.open_run() == second == recorder.open_run()
        store.finish_run(second, "ok", {})
        assert store.open_run() == first and store.has_run(second) and not store.has_run("nope")
        store.finish_run(first, "ok", {})
        assert store.open_run() is None


def test_a_dead_process_row_with_our_pid_is_not_our_run(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        run_id = store.start_run("run", {})
        db = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
        db.execute(
            "INSERT INTO runs (id, kind, status, config, started, pid, host)"
            " SELECT 'zz-stale', kind, status, config, '9999', pid, host FROM runs WHERE id = ?",
            (run_id,),
        )  # newer, same pid and host, but no lease is held for it
        db.close()
        assert store.open_run() == run_id


# -- the recorder and the key ------------------------------------------------------------------


class _Source:
    name = "fake"
    client_id = "cid"

    def __init__(self) -> None:
        self.values: list[str] = []

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        self.values.append("v" + secrets.token_urlsafe(24))
        return AccessToken(value=self.values[-1], audience=(audience,) if audience else ())  # type: ignore[arg-type]


def test_recorder_writes_each_event_under_the_open_run_at_once(backend: Backend) -> None:
    state = backend.state_dir
    source = _Source()
    recorder = AuditRecorder(state, "api", backend.url)
    provider = TargetToken(
        TokenCache(source, on_event=recorder, fingerprint=recorder.fingerprint), "https://a.test/"
    )
    provider.token()  # outside any run: kept, with no run
    with backend.open() as store:
        run_id = store.start_run("verify", {})
        provider.refused()
        provider.token()
        rows = store.identity_events(run_id)  # read while the run is still open: already there
        assert [r.outcome for r in rows] == ["refused", "issued"]
        assert [r.run_id for r in store.identity_events()] == [None, run_id, run_id]
        key = audit_key(state)
        assert [r.fingerprint for r in store.identity_events()] == [
            fingerprint(key, v) for v in (source.values[0], source.values[0], source.values[1])
        ]
        assert {r.target for r in rows} == {"api"}
    assert "key" not in repr(recorder).lower().replace("recorder", "")


def test_the_key_is_private_made_once_and_kept(tmp_path: Path) -> None:
    state = tmp_path / "state"
    key = audit_key(state)
    path = state / KEY_NAME
    assert len(key) == KEY_BYTES and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert audit_key(state) == key and audit_key(tmp_path / "other") != key
    path.chmod(0o644)  # widened by hand: narrowed again
    assert audit_key(state) == key and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in state.iterdir()] == [KEY_NAME]  # no draft left behind


def test_processes_racing_for_the_key_agree_on_one(tmp_path: Path) -> None:
    keys: list[bytes] = []
    barrier = threading.Barrier(8)

    def take() -> None:
        barrier.wait()
        keys.append(audit_key(tmp_path))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_NAME]


@pytest.mark.parametrize("content", [b"", b"short", bytes(KEY_BYTES + 1)])
def test_a_damaged_key_is_one_line(tmp_path: Path, content: bytes) -> None:
    (tmp_path / KEY_NAME).write_bytes(content)
    with pytest.raises(StorageError, match=f"audit key .* is damaged \\({len(content)} bytes"):
        audit_key(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_key_is_a_storage_error(tmp_path: Path) -> None:
    audit_key(tmp_path)
    (tmp_path / KEY_NAME).chmod(0o000)
    try:
        with pytest.raises(StorageError, match="audit.key"):
            audit_key(tmp_path)
    finally:
        (tmp_path / KEY_NAME).chmod(0o600)
