"""`postwright run` with ``state_url``: two workers at once on one PostgreSQL store, the second
waiting for the first's run of the same API; nothing written to the SQLite state dir, the password
in no output and no row."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent import demo
from tests.postgres_kit import PostgresServer
from tests.store.conftest import Backend


@pytest.mark.slow
def test_two_cli_runs_of_one_api_share_the_store_one_after_the_other(
    pg_env: PostgresServer, tmp_path: Path
) -> None:
    ws = demo.prepare(tmp_path / "ws")
    url = pg_env.database()
    env = {**os.environ, "POSTWRIGHT_STATE_DIR": str(ws.root / ".postwright"), "POSTWRIGHT_STATE_URL": url}
    argv = [sys.executable, "-m", "agent", "run", "--no-verify", "--no-publish"]
    workers = [
        subprocess.Popen(
            argv, cwd=ws.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    text = "".join(out + err for out, err in outputs)
    assert pg_env.password not in text
    backend = Backend("postgres", ws.root / ".postwright", url, pg_env)
    with backend.open() as store:
        runs = store.runs()
        assert [r.status for r in runs] == ["ok", "ok"]
        first, second = sorted(runs, key=lambda r: r.started)
        assert first.finished is not None and first.finished <= second.started  # one after the other
        assert store.proposals() and all(p.run_id in {first.id, second.id} for p in store.proposals())
    assert not (ws.root / ".postwright" / "state.db").exists()
    assert pg_env.password.encode() not in backend.stored_text()
