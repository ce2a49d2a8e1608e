"""LogFiles: files and folders on disk, Airflow's layout, lazy bounded decoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import InputError
from agent.ports import LogSource
from agent.sources.logfiles import FileChunks, LogFiles, provenance_for


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_satisfies_the_log_source_protocol(tmp_path: Path) -> None:
    source: LogSource = LogFiles([tmp_path])
    assert list(source.logs()) == []


def test_demo_logs_have_airflow_provenance(examples_dir: Path) -> None:
    logs = list(LogFiles([examples_dir / "logs"]).logs())
    assert [(r.provenance.task_id, r.provenance.try_number) for r in logs] == [
        ("fetch_pets", 1),
        ("fetch_pets", 2),
        ("push_pets", 1),
    ]
    first = logs[0].provenance
    assert first.dag_id == "petstore_sync"
    assert first.run_id == "scheduled__2026-11-24T02:00:00+00:00"
    assert first.map_index is None
    assert first.file is not None and first.file.endswith("attempt=1.log")
    assert "Task started: fetch_pets" in "".join(logs[0].chunks)


def test_mapped_task_and_attempt_numbers() -> None:
    path = Path("logs/dag_id=d/run_id=manual__1/task_id=t/map_index=3/attempt=12.log")
    prov = provenance_for(path)
    assert (prov.dag_id, prov.run_id, prov.task_id, prov.map_index, prov.try_number) == (
        "d",
        "manual__1",
        "t",
        3,
        12,
    )
    plain = provenance_for(Path("/var/log/job.log"))
    assert (plain.dag_id, plain.try_number, plain.file) == (None, None, "/var/log/job.log")


def test_directory_walk_is_recursive_sorted_naturally_and_skips_hidden(tmp_path: Path) -> None:
    base = tmp_path / "dag_id=d" / "run_id=r" / "task_id=t"
    for attempt in (10, 2, 1):
        _write(base / f"attempt={attempt}.log", f"try {attempt}\n")
    _write(tmp_path / "b" / "z.log", "z")
    _write(tmp_path / "a.txt", "a")
    _write(tmp_path / ".hidden" / "x.log", "x")
    _write(tmp_path / ".swap.log", "x")
    names = [Path(r.name).relative_to(tmp_path).as_posix() for r in LogFiles([tmp_path]).logs()]
    assert names == [
        "a.txt",
        "b/z.log",
        "dag_id=d/run_id=r/task_id=t/attempt=1.log",
        "dag_id=d/run_id=r/task_id=t/attempt=2.log",
        "dag_id=d/run_id=r/task_id=t/attempt=10.log",
    ]
    assert names == [Path(r.name).relative_to(tmp_path).as_posix() for r in LogFiles([tmp_path]).logs()]


def test_files_and_folders_keep_the_given_order(tmp_path: Path) -> None:
    one = _write(tmp_path / "z.log", "z")
    folder = tmp_path / "dir"
    _write(folder / "a.log", "a")
    assert [Path(r.name).name for r in LogFiles([one, folder]).logs()] == ["z.log", "a.log"]


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    _write(tmp_path / "real" / "a.log", "a")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    assert list(LogFiles([tmp_path / "logs"]).logs()) == []


def test_missing_path_is_a_one_line_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        LogFiles([tmp_path / "nope"])
    assert "log path not found" in str(err.value)
    assert "\n" not in str(err.value)


def test_file_removed_before_reading_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "gone.log", "x")
    raw = next(LogFiles([path]).logs())
    path.unlink()
    with pytest.raises(InputError, match="cannot read log"):
        list(raw.chunks)


def test_chunks_are_bounded_and_never_split_a_character(tmp_path: Path) -> None:
    text = "é€😀 line\n" * 5000
    path = _write(tmp_path / "big.log", text)
    chunks = list(FileChunks(path, block_size=7))
    assert "".join(chunks) == text
    assert max(len(c) for c in chunks) <= 7
    assert "\ufffd" not in "".join(chunks)


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.log", b"ok \xff\xfe bad \xc3 end\n")
    text = "".join(next(LogFiles([path]).logs()).chunks)
    assert text.startswith("ok ") and text.endswith(" end\n")
    assert text.count("\ufffd") == 3


def test_chunks_are_lazy_and_reiterable(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.log", "x" * 200_000)
    raw = next(LogFiles([path], block_size=65536).logs())
    first = iter(raw.chunks)
    assert len(next(first)) == 65536
    assert sum(len(c) for c in raw.chunks) == 200_000
    assert sum(len(c) for c in raw.chunks) == 200_000
