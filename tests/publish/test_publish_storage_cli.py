"""`postwright run` publishing into a collections repository that is read-only or full, for real.

Exit 2 with one line naming the repository; the proposals of the run are stored before
publishing, so they (and every earlier run's) are still in the state database.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent import demo


def _postwright(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "--config",
            str(ws / "postwright.toml"),
            "--state-dir",
            str(ws / ".postwright"),
            *args,
        ],
        cwd=ws,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def _stored(ws: Path) -> tuple[int, int]:
    with sqlite3.connect(ws / ".postwright" / "state.db") as db:
        runs = db.execute("SELECT count(*) FROM runs").fetchone()[0]
        proposals = db.execute("SELECT count(*) FROM proposals").fetchone()[0]
    return int(runs), int(proposals)


def _refs(repo: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "for-each-ref"], capture_output=True, text=True, check=True
    ).stdout


def _second_run_is_refused(ws: Path, repo: Path, breaks: Callable[[], None]) -> None:
    first = _postwright(ws, "run", "--no-verify")
    assert first.returncode == 0, first.stderr
    runs, proposals = _stored(ws)
    assert proposals > 0
    before = _refs(repo)
    breaks()
    done = _postwright(ws, "run", "--no-verify", "--seed", "7")
    errors = [line for line in done.stderr.splitlines() if line.startswith("postwright: ")]
    assert done.returncode == 2, done.stderr
    assert errors and errors[-1].startswith("postwright: error: the git repository")
    assert str(repo) in errors[-1] and "full or read-only" in errors[-1]
    assert "Traceback" not in done.stderr
    assert _refs(repo) == before
    after_runs, after_proposals = _stored(ws)
    assert after_runs == runs + 1 and after_proposals >= proposals  # nothing stored was lost


def test_run_into_a_read_only_collections_repo(tmp_path: Path, read_only: Callable[[Path], None]) -> None:
    ws = demo.prepare(tmp_path / "ws")
    _second_run_is_refused(ws.root, ws.repo, lambda: read_only(ws.repo))


def test_run_into_a_full_collections_repo(tmp_path: Path, small_disk: Callable[[int], Path]) -> None:
    disk = small_disk(2048)
    ws = demo.prepare(tmp_path / "ws")
    repo = disk / "collections-repo"
    subprocess.run(["cp", "-a", str(ws.repo), str(repo)], check=True)
    config = ws.root / "postwright.toml"
    config.write_text(config.read_text().replace('repo = "collections-repo"', f'repo = "{repo}"'))

    def fill() -> None:
        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        for chunk in (1 << 16, 512):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
        os.close(fd)

    _second_run_is_refused(ws.root, repo, fill)


@pytest.fixture(autouse=True)
def _rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTWRIGHT_LLM", "none")
