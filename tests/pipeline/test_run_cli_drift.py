"""`postwright run` against a real target and its old version: drift lines and old-API verdicts on
stdout, the PR body's sections, and the target's echoed credential in no artifact."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pipeline.test_old_and_new_real import _canary
from tests.pipeline.two_versions import Server, new_spec, old_spec


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    canary = _canary()
    old, new = Server(1, canary), Server(2, canary)
    (tmp_path / "old.json").write_text(json.dumps(old_spec()))
    (tmp_path / "new.json").write_text(json.dumps(new_spec()))
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    (tmp_path / "postwright.toml").write_text(
        'spec = "new.json"\nbase = "old.json"\nstate_dir = ".postwright"\n'
        f'[sandbox]\ntarget = "{new.url}"\nruns = 2\n'
        f'[target]\nbase_url = "{old.url}"\n'
        '[publish]\nrepo = "repo"\ncollection = "collections/api.postman_collection.json"\n'
    )
    yield tmp_path, canary
    old.close()
    new.close()


def test_run_lists_drift_and_old_api_verdicts_with_the_credential_redacted(
    workspace: tuple[Path, str], sandbox_dir: Path
) -> None:
    root, canary = workspace
    done = subprocess.run(
        [sys.executable, "-m", "agent", "--config", str(root / "postwright.toml"), "run"],
        cwd=root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    drift = [line for line in done.stdout.splitlines() if ": drift: " in line]
    assert drift and all(
        "GET /gadgets: drift: the server disagrees with the spec: 422 where 200 is declared" in d
        for d in drift
    )
    assert all("gadgets are disabled here" in d and "[REDACTED:" in d for d in drift)
    assert f"drift {len(drift)}" in done.stdout
    assert "old API: " in done.stdout and "kept tests catch it" in done.stdout
    body_path = next(line for line in done.stdout.splitlines() if "PR body " in line).split("PR body ")[1]
    body = Path(body_path).read_text()
    assert "### Drift: the server disagrees with the spec" in body and "catches the old API: yes" in body
    assert "no test catches the old API" in body  # GET /things: both versions serve it alike
    everything = [done.stdout, done.stderr, body]
    written = [p for p in [*root.rglob("*"), *Path(body_path).parent.rglob("*")] if p.is_file()]
    everything += [p.read_text(errors="replace") for p in written if ".git" not in p.parts]
    log = subprocess.run(
        ["git", "-C", str(root / "repo"), "log", "--all", "-p"], capture_output=True, text=True
    )
    assert not [i for i, text in enumerate([*everything, log.stdout]) if canary in text]
