"""`postwright audit [--run ID] [--json]`: a table or JSON of the identity audit; no rows is a clear
line (exit 0), an unknown run one line (exit 2); the fingerprint is shown short."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.cli.main import main
from agent.identity.audit import SHOWN_CHARS, AuditEvent
from agent.store import open_store


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", *args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _state() -> Path:
    return Path.home() / "state"  # POSTWRIGHT_STATE_DIR (tests/conftest.py)


def _fill() -> tuple[str, str]:
    """Two runs: one issued and refreshed, one failed; returns their ids."""
    with open_store(_state()) as store:
        ok, bad = store.start_run("verify", {}), store.start_run("run", {})
        at = datetime(2026, 12, 3, 21, 5, 7, 123456, tzinfo=UTC)
        common = {"source": "client-credentials", "client_id": "cid", "target": "api", "at": at}
        for outcome, mark in (("issued", "a"), ("refreshed", "b")):
            store.add_identity_event(
                AuditEvent(
                    **common,  # type: ignore[arg-type]
                    run_id=ok,
                    outcome=outcome,  # type: ignore[arg-type]
                    subject="svc",
                    audience=("https://api.test/",),
                    scopes=("read", "write"),
                    expires_at=datetime(2026, 12, 3, 22, 0, tzinfo=UTC),
                    fingerprint=mark * 32,
                )
            )
        store.add_identity_event(
            AuditEvent(**common, run_id=bad, outcome="failed", reason="token source 'x': unreachable")  # type: ignore[arg-type]
        )
        store.finish_run(ok, "ok", {})
        store.finish_run(bad, "failed", {})
    return ok, bad


@pytest.mark.parametrize("state", ["absent", "empty"])
def test_no_rows_is_a_clear_line_and_exit_0(state: str, capsys: pytest.CaptureFixture[str]) -> None:
    if state == "empty":
        open_store(_state()).close()
    code, out, err = _cli(capsys)
    assert code == 0 and out.startswith("no identity audit rows") and len(out.splitlines()) == 1
    code, out, err = _cli(capsys, "--json")
    assert code == 0 and json.loads(out) == []
    assert _state().exists() is (state == "empty")  # reading never makes a state dir


@pytest.mark.parametrize("state", ["absent", "empty", "filled"])
@pytest.mark.parametrize("as_json", [False, True])
def test_an_unknown_run_is_one_line_exit_2(
    state: str, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    if state == "empty":
        open_store(_state()).close()
    elif state == "filled":
        _fill()
    code, out, err = _cli(capsys, "--run", "20990101T000000-nope", *(["--json"] if as_json else []))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "no run with id '20990101T000000-nope'" in err


def test_a_run_with_no_rows_is_a_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(_state()) as store:
        quiet = store.start_run("verify", {})
    code, out, _ = _cli(capsys, "--run", quiet)
    assert code == 0 and out.strip() == (
        f"no identity audit rows for run {quiet}: no token was asked for (verify/run with a target)"
    )


def test_the_table_shows_every_column_and_a_short_fingerprint(capsys: pytest.CaptureFixture[str]) -> None:
    ok, bad = _fill()
    code, out, _ = _cli(capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4
    header = " ".join(lines[0].split())
    assert header == (
        "when run target source client id subject audience scopes expires fingerprint outcome reason"
    )
    assert "2026-12-03 21:05:07Z" in lines[1] and "2026-12-03 22:00:00Z" in lines[1]
    assert "a" * SHOWN_CHARS in lines[1] and "a" * (SHOWN_CHARS + 1) not in lines[1]
    assert lines[2].split()[-1] == "refreshed" and "read write" in lines[2]
    assert ok in lines[1] and bad in lines[3] and "failed" in lines[3] and "unreachable" in lines[3]
    code, out, _ = _cli(capsys, "--run", bad)
    assert code == 0 and len(out.splitlines()) == 2 and ok not in out


def test_json_is_every_field_of_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    ok, bad = _fill()
    code, out, _ = _cli(capsys, "--json")
    rows = json.loads(out)
    assert code == 0 and [r["outcome"] for r in rows] == ["issued", "refreshed", "failed"]
    assert set(rows[0]) == set(AuditEvent.model_fields)
    assert rows[0]["fingerprint"] == "a" * 32 and rows[0]["scopes"] == ["read", "write"]
    assert rows[0]["at"] == "2026-12-03T21:05:07.123456Z" and rows[2]["fingerprint"] is None
    code, out, _ = _cli(capsys, "--json", "--run", ok)
    assert [r["run_id"] for r in json.loads(out)] == [ok, ok]
