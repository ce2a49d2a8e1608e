"""A 401 after a 2xx drops the target's token, so the next batch asks its source again (a token
rotated in the environment reaches the remaining runs); sources load only when a target uses them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from agent.runner import NewmanRunner, provider_from
from tests.runner.conftest import sandbox_dir, serve  # noqa: F401 (fixtures)
from tests.runner.runner_helpers import collection, item

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.sandbox
def test_a_token_refused_mid_run_is_asked_for_again(
    sandbox_dir: Path,  # noqa: F811
    serve,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, new = "t1" + secrets.token_hex(12), "t2" + secrets.token_hex(12)
    monkeypatch.setenv("PW_ROTATED", old)
    seen: list[str] = []

    def things(handler):  # accepts the old token once, then rotates it (as an operator would)
        token = str(handler.headers.get("Authorization", "")).removeprefix("Bearer ")
        seen.append(token)
        if token == old and seen.count(old) == 1:
            os.environ["PW_ROTATED"] = new
            return 200, {"ok": True}
        return (200, {"ok": True}) if token == new else (401, {"error": "invalid_token"})

    server = serve({"/things": things})
    ok = "pm.test('authorised', () => pm.response.to.have.status(200));"
    coll = collection(*(item(f"pw-{n}", "{{baseUrl}}/things", ok, auth=True) for n in "ab"))
    provider = provider_from(token_env="PW_ROTATED")
    report = NewmanRunner(sandbox_dir, timeout=60, target=server.url, credentials=provider).run(
        coll, None, runs=2
    )
    assert seen == [old, old, new, new]  # without the 401 telling the cache, run 2 resent the old one
    assert report.items["pw-a"].status == "passed" and report.items["pw-b"].status == "flaky"
    assert any(n.code == "sandbox-token-expired" for n in report.notices)


def test_sources_are_imported_only_when_a_target_uses_one() -> None:
    code = (
        "import sys, agent.cli.main, agent.wiring, agent.runner.credentials, agent.config, agent.ports\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('authlib', 'joserfc')"
        " or m.startswith('agent.identity.client')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr
