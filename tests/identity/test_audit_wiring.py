"""Every runner the wiring builds records its identity's events (the pipeline's run, verify's own
run); a command without an identity opens no state; verify's run ends with how it ended."""

from __future__ import annotations

import secrets
from contextlib import nullcontext
from pathlib import Path

import pytest

from agent import wiring
from agent.config import Settings, load_settings
from agent.errors import StorageError
from agent.identity.token import IdentityError
from agent.runner.credentials import TargetToken
from agent.store import open_store
from agent.store.identity_audit import AuditRecorder


def _settings(tmp_path: Path, body: str) -> Settings:
    (tmp_path / "postwright.toml").write_text(body)
    return load_settings(cwd=tmp_path)


SANDBOX = '[sandbox]\ntarget = "http://127.0.0.1:9/v1"\ntoken_env = "PW_AUDIT_T"\n'
NAMED = '[targets.api]\nurl = "http://127.0.0.1:9"\ntoken_source = "env"\ntoken_env = "PW_AUDIT_T"\n'


@pytest.mark.parametrize(
    ("body", "how", "label"),
    [
        (SANDBOX, {}, "http://127.0.0.1:9/v1"),  # run's runner: [sandbox]'s identity
        (
            SANDBOX,
            {"target": "http://127.0.0.1:9/v2"},
            "http://127.0.0.1:9/v2",
        ),  # base_runner's [target] base_url
        (NAMED, {"named": "api"}, "api"),  # verify --target api
    ],
)
def test_each_runner_records_under_the_run_this_process_has_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, how: dict[str, str], label: str
) -> None:
    monkeypatch.setenv("PW_AUDIT_T", "t" + secrets.token_hex(12))
    settings = _settings(tmp_path, body)
    if "named" in how:
        named = wiring.named_target(settings, how["named"])
        assert named is not None
        runner = wiring.newman(
            settings, target=named[0], provider=named[1], own_identity=True, target_name=how["named"]
        )
    else:
        runner = wiring.newman(settings, target=how.get("target"))
    provider = runner.credentials
    assert isinstance(provider, TargetToken) and isinstance(provider.cache.on_event, AuditRecorder)
    with open_store(settings.state_path) as store:
        run_id = store.start_run("run", {})  # as the pipeline does before verify
        provider.token()
        provider.refused()
        rows = store.identity_events(run_id)
    assert [(r.outcome, r.target, r.source) for r in rows] == [
        ("issued", label, "env"),
        ("refused", label, "env"),
    ]


def test_an_identity_already_audited_is_not_wrapped_twice(tmp_path: Path) -> None:
    settings = _settings(tmp_path, SANDBOX)
    provider = wiring.credentials(settings)
    first = wiring.audited(settings, provider, "a")
    assert isinstance(first, TargetToken)
    recorder = first.cache.on_event
    assert (
        wiring.audited(settings, first, "b").cache.on_event is recorder
        and wiring.audited(settings, None, "x") is None
    )


def test_verify_without_an_identity_opens_no_state(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "")
    with wiring.audit_scope(settings, None, "verify", {}):
        pass
    assert not settings.state_path.exists()


@pytest.mark.parametrize(
    ("raised", "status"),
    [
        (None, "ok"),
        (IdentityError("token source 'env': not set"), "failed"),
        (KeyboardInterrupt(), "interrupted"),
    ],
)
def test_verify_has_a_run_for_its_rows_that_ends_as_verify_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raised: BaseException | None, status: str
) -> None:
    monkeypatch.setenv("PW_AUDIT_T", "t" + secrets.token_hex(12))
    settings = _settings(tmp_path, NAMED)
    named = wiring.named_target(settings, "api")
    assert named is not None
    provider = wiring.audited(settings, named[1], "api")
    inside: list[str | None] = []
    with (
        pytest.raises(type(raised)) if raised else nullcontext(),
        wiring.audit_scope(settings, provider, "verify", {"target": "api"}),
    ):
        with open_store(settings.state_path) as store:
            inside.append(store.open_run())
        assert provider is not None
        provider.token()
        if raised:
            raise raised
    with open_store(settings.state_path) as store:
        (run,) = store.runs()
        assert (run.id, run.kind, run.status) == (inside[0], "verify", status)
        assert [r.run_id for r in store.identity_events()] == [run.id] and store.open_run() is None


def test_a_full_disk_at_the_end_does_not_hide_the_error_that_stopped_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, NAMED)
    named = wiring.named_target(settings, "api")
    assert named is not None
    provider = wiring.audited(settings, named[1], "api")

    def full(*args: object) -> None:
        raise StorageError("state store: the disk is full")

    from agent.store.sqlite import SQLiteStore

    monkeypatch.setattr(SQLiteStore, "finish_run", full)
    with pytest.raises(IdentityError), wiring.audit_scope(settings, provider, "verify", {}):
        raise IdentityError("token source 'env': not set")
    with pytest.raises(StorageError), wiring.audit_scope(settings, provider, "verify", {}):
        pass
