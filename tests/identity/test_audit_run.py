"""`postwright run` against a real target with `[sandbox]`'s identity: the token the verify stage
used is an audit row of that run (the pipeline's run id), and the token is in no artifact."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from agent import demo
from agent.cli.main import main
from agent.identity.audit import fingerprint
from agent.store import open_store
from agent.store.identity_audit import audit_key
from tests.identity.oidc_kit import Clients, Provider, ResourceServer
from tests.identity.test_verify_targets import _no_canary
from tests.runner.conftest import sandbox_dir  # noqa: F401 (the fixture)

pytestmark = pytest.mark.sandbox


def _main(capsys: pytest.CaptureFixture[str], console: list[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    console += [out, err]
    return int(exit_info.value.code or 0), out


def test_run_records_its_verify_stage_tokens_under_its_own_run(
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    ws = demo.prepare(tmp_path / "ws")
    toml = ws.root / "postwright.toml"
    named = (  # [sandbox] target names a [targets.NAME]: run's verify stage uses its identity
        f'\n[sandbox]\ndir = "{sandbox_dir}"\nruns = 1\ntarget = "api"\n'
        f'\n[targets.api]\nurl = "{server.url}"\naudience = "{server.audience}"\n'
        f'token_source = "client-credentials"\ntoken_url = "{provider.token_url}"\n'
        f'client_id = "{client_env.secret_id}"\nclient_secret_env = "PW_IDP_SECRET"\n'
    )
    with toml.open("a", encoding="utf-8") as config_file:
        config_file.write(named)
    console: list[str] = []
    config = ["--config", str(toml)]
    code, _ = _main(capsys, console, *config, "run", "--no-publish")
    assert code in (0, 1), console  # 1: the stand-in API keeps no test; the run itself went through
    assert server.accepted  # the verify stage sent its tokens (a 6 s token may expire in a batch)
    _, out = _main(capsys, console, *config, "audit", "--json")
    rows = json.loads(out)
    state = Path.home() / "state"
    with open_store(state) as store:
        (run,) = store.runs()
    key = audit_key(state)
    sent = {fingerprint(key, t) for t in server.accepted}
    assert sent <= {r["fingerprint"] for r in rows if r["outcome"] in ("issued", "refreshed")}  # each a row
    assert rows[0]["outcome"] == "issued" and {r["outcome"] for r in rows} <= {
        "issued",
        "refreshed",
        "refused",
    }
    for row in rows:
        assert (row["run_id"], row["target"], row["source"]) == (run.id, "api", "client-credentials")
        assert row["audience"] == [server.audience] and row["client_id"] == client_env.secret_id
    _no_canary([*client_env.canaries(), *server.seen], console, ws.root, scratch, state)
