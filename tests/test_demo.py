"""`postwright demo` end to end: offline, published to a local repo, no planted token anywhere."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from agent.cli.main import main


def run_demo(workspace: Path, *extra: str) -> int:
    try:
        main(["demo", "--workspace", str(workspace), *extra])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.mark.sandbox
def test_demo_runs_offline_and_leaks_no_planted_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], _no_network: list[str]
) -> None:
    workspace = tmp_path / "ws"
    code = run_demo(workspace)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "none of the 5 planted tokens appears in any output" in err

    planted = [p.read_text() for p in (workspace / "logs").rglob("*.log")]
    assert any("ghp_" in text for text in planted)
    repo = workspace / "collections-repo"
    branches = subprocess.run(
        ["git", "branch", "--list", "postwright/*"], cwd=repo, capture_output=True, text=True
    )
    assert branches.stdout.strip(), "no postwright branch was published"
    for text in (out, err):
        assert "ghp_" not in text and "AKIA" not in text and "eyJ" not in text

    # the human-written test survives on the published branch
    branch = branches.stdout.strip().lstrip("* ")
    published = subprocess.run(
        ["git", "show", f"{branch}:collections/petstore.postman_collection.json"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ids = [item.get("id") for item in _items(json.loads(published))]
    assert "human-get-pet" in ids and any(str(i).startswith("pw-") for i in ids)
    # the user's checkout is untouched
    assert (
        subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
        == ""
    )

    # the injected instruction in the logs changed nothing: no foreign host, no link in the PR body
    assert "evil.example" not in published
    pr_body = next((workspace / ".postwright" / "pull-requests").glob("*.md")).read_text()
    assert "evil.example" not in pr_body and "](http" not in pr_body

    # the state database holds the run and the proposals, and only redacted text
    db = sqlite3.connect(workspace / ".postwright" / "state.db")
    assert db.execute("select count(*) from runs").fetchone()[0] == 1
    assert db.execute("select count(*) from proposals").fetchone()[0] > 0
    db.close()
    assert not _no_network, "the demo attempted an outbound connection"


def _items(node: dict) -> list[dict]:
    found: list[dict] = []
    for item in node.get("item", []):
        found.extend(_items(item) if "item" in item else [item])
    return found


def test_demo_refuses_a_non_empty_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert run_demo(tmp_path, "--no-verify") == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "mine"
