"""`postwright verify --target NAME` against the real OpenID provider, then `postwright audit`: every
token issued or refreshed is one row (its keyed fingerprint matches a token the API saw), a
refusal and a failure are rows too, all under verify's run; no token or secret in any artifact."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.cli.main import main
from agent.identity.audit import SHOWN_CHARS, fingerprint
from agent.store.identity_audit import audit_key
from tests.identity.oidc_kit import MISMATCH, Clients, Provider, ResourceServer
from tests.identity.test_verify_targets import Project, _no_canary, _source_keys, _target, scratch  # noqa: F401
from tests.runner.conftest import sandbox_dir  # noqa: F401 (the fixture)

pytestmark = pytest.mark.sandbox


def _audit(project: Project, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(project.root / "postwright.toml"), "audit", *args])
    out, err = project.capsys.readouterr()
    project.console += [out, err]
    return int(exit_info.value.code or 0), out, err


def _rows(project: Project, *args: str) -> list[dict[str, Any]]:
    code, out, err = _audit(project, "--json", *args)
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def _state() -> Path:
    return Path.home() / "state"  # tests/conftest.py points POSTWRIGHT_STATE_DIR here


@pytest.mark.parametrize(("kind", "runs", "delay"), [("secret", 3, 2.0), ("private_key_jwt", 2, 0.0)])
def test_audit_lists_every_issuance_of_a_verify(
    kind: str,
    runs: int,
    delay: float,
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    scratch: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api(delay=delay)  # with a delay each run outlives a third of the 6 s token: refreshed
    keys = _source_keys(kind, provider, client_env)
    project = Project(tmp_path, sandbox_dir, _target("api", server, keys), capsys)
    assert project.verify("api", "--runs", str(runs)) == 0, project.console
    rows = _rows(project)
    key = audit_key(_state())
    sent = [fingerprint(key, t) for t in dict.fromkeys(server.accepted)]
    listed = [r["fingerprint"] for r in rows]
    # every token sent is a row, in the order they were sent (a refresh late in the last run may
    # give a token nothing used: a row too), and each row is a different token
    assert [f for f in listed if f in sent] == sent and len(set(listed)) == len(listed)
    assert [r["outcome"] for r in rows] == ["issued"] + ["refreshed"] * (len(rows) - 1)
    assert len(sent) >= (2 if delay else 1)
    client_id = client_env.secret_id if kind == "secret" else client_env.jwt_id
    (run_id,) = {r["run_id"] for r in rows}
    for row in rows:
        assert (row["target"], row["source"], row["client_id"]) == ("api", "client-credentials", client_id)
        assert row["subject"] == client_id and row["audience"] == [server.audience]
        assert row["expires_at"] is not None and row["reason"] is None
    assert _rows(project, "--run", run_id) == rows
    code, table, _ = _audit(project, "--run", run_id)
    header = table.splitlines()[0].split()
    assert code == 0 and header[:3] == ["when", "run", "target"] and "fingerprint" in header
    assert all(r["fingerprint"][:SHOWN_CHARS] in table for r in rows) and rows[0]["fingerprint"] not in table
    _no_canary([*client_env.canaries(), *server.seen], project.console, tmp_path, scratch, _state())


def test_a_failure_and_a_wrong_audience_are_rows_of_their_runs(
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    scratch: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    keys = _source_keys("secret", provider, client_env)
    targets = _target("api", server, keys) + _target("mismatch", server, keys, audience=MISMATCH)
    project = Project(tmp_path, sandbox_dir, targets, capsys)
    assert project.verify("mismatch") == 2
    monkeypatch.setenv("PW_IDP_SECRET", "wrong-" + client_env.secret[:4])
    assert project.verify("api") == 2
    rows = _rows(project)
    assert [(r["target"], r["outcome"]) for r in rows] == [
        ("mismatch", "issued"),
        ("mismatch", "refused"),
        ("api", "failed"),
    ]
    issued, refused, failed = rows
    assert issued["run_id"] == refused["run_id"] != failed["run_id"]
    assert issued["audience"] == refused["audience"] == ["https://elsewhere.test/"]
    assert issued["fingerprint"] == refused["fingerprint"] and "not sent" in refused["reason"]
    assert failed["fingerprint"] is None and "client was refused" in failed["reason"]
    assert failed["audience"] == [server.audience] and failed["client_id"] == client_env.secret_id
    assert _rows(project, "--run", failed["run_id"]) == [failed]
    assert server.seen == []
    _no_canary(client_env.canaries(), project.console, tmp_path, scratch, _state())


def test_a_verify_against_a_mock_records_nothing(
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PW_DEFAULT_TOKEN", "dt" + secrets.token_hex(16))  # [sandbox]'s, never sent to a mock
    project = Project(tmp_path, sandbox_dir, "", capsys)
    toml = project.root / "postwright.toml"
    toml.write_text(toml.read_text().replace("runs = 1\n", 'runs = 1\ntoken_env = "PW_DEFAULT_TOKEN"\n'))
    args = [
        "--config",
        str(toml),
        "verify",
        str(project.root / "c.json"),
        "--spec",
        str(project.root / "spec.yaml"),
    ]
    with pytest.raises(SystemExit):
        main(args)
    capsys.readouterr()
    assert not _state().exists()  # no run, no key, no rows
    assert _rows(project) == []
