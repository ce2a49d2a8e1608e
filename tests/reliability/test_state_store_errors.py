"""A state dir that is read-only or full ends `postwright run` with one line and exit 2 (item 3).

Done for real: a read-only bind mount (chmod does not stop root) and a small tmpfs filled up.
Whatever was stored before is still there afterwards, and the database is sound.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from agent import demo
from tests.reliability.kit import command


def _run(ws: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = command(ws, "run", "--no-verify", "--no-publish", *args)
    argv[argv.index("--state-dir") + 1] = str(state)
    return subprocess.run(argv, cwd=ws, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)


def _refused(done: subprocess.CompletedProcess[str], path: Path, reason: str) -> None:
    """Exit 2, no traceback, and one last line naming ``path`` and why."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("postwright: error: state store "), done.stderr
    assert str(path) in last and reason in last, last
    assert "cannot rollback" not in last


def _contents(state: Path) -> tuple[str, int, int]:
    """Integrity verdict, runs and proposals of a state db, read without writing to it."""
    uri = f"file:{state / 'state.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        runs = db.execute("SELECT count(*) FROM runs").fetchone()[0]
        proposals = db.execute("SELECT count(*) FROM proposals").fetchone()[0]
    return str(ok), int(runs), int(proposals)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return demo.prepare(tmp_path / "ws").root


def test_read_only_state_dir_with_a_database(ws: Path, read_only: Callable[[Path], None]) -> None:
    state = ws / ".postwright"
    assert _run(ws, state).returncode == 0
    before = _contents(state)
    read_only(state)
    _refused(_run(ws, state, "--seed", "7"), state, "read-only")
    assert _contents(state) == before


def test_state_dir_cannot_be_created_under_a_read_only_folder(
    ws: Path, tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    read_only(parent)
    _refused(_run(ws, parent / "state"), parent / "state", "read-only")


@pytest.mark.parametrize("kib", [64, 256])
def test_empty_small_disk(ws: Path, small_disk: Callable[[int], Path], kib: int) -> None:
    state = small_disk(kib) / "state"
    done = _run(ws, state)
    if done.returncode == 0:
        pytest.fail(f"a run fitted in {kib} KiB; make the disk smaller")
    _refused(done, state, "full")


def test_disk_fills_up_between_runs(ws: Path, small_disk: Callable[[int], Path]) -> None:
    disk = small_disk(1024)
    state = disk / "state"
    assert _run(ws, state).returncode == 0
    before = _contents(state)
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:  # take every free byte
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass
    _refused(_run(ws, state, "--seed", "7"), state, "full")
    filler.unlink()
    ok, runs, proposals = _contents(state)
    assert ok == "ok" and runs >= before[1] and proposals == before[2]  # nothing stored was lost
    shutil.rmtree(state / "leases", ignore_errors=True)
