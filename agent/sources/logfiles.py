"""Log files and folders on disk as a LogSource (Airflow's log layout gives provenance)."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from agent.errors import InputError
from agent.models import Provenance
from agent.ports import RawLog

BLOCK_SIZE = 64 * 1024
_KEYS = ("dag_id", "run_id", "task_id", "map_index")
_ATTEMPT = re.compile(r"^attempt=(\d+)\.log$")
_DIGITS = re.compile(r"(\d+)")


class FileChunks:
    """The text of one file in bounded blocks, read only when iterated (and again each time)."""

    def __init__(self, path: Path, block_size: int = BLOCK_SIZE) -> None:
        self.path = path
        self.block_size = block_size

    def __iter__(self) -> Iterator[str]:
        # An incremental decoder never splits a multi-byte character across two blocks.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read log {self.path}: {exc.strerror or type(exc).__name__}") from None
        with handle:
            while block := handle.read(self.block_size):
                text = decoder.decode(block)
                if text:
                    yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail


class LogFiles:
    """Files and folders of logs; folders are walked recursively in a stable order.

    Hidden files and folders are skipped, symlinked folders are not followed. A path in
    Airflow's layout (``dag_id=D/run_id=R/task_id=T/[map_index=N/]attempt=K.log``) gives the
    log its provenance.
    """

    def __init__(self, paths: Sequence[Path], *, block_size: int = BLOCK_SIZE) -> None:
        self.paths = [Path(p) for p in paths]
        self.block_size = block_size
        for path in self.paths:
            if not path.exists():
                raise InputError(f"log path not found: {path}")

    def logs(self) -> Iterator[RawLog]:
        """One RawLog per file, files in the order given, folders sorted naturally."""
        for root in self.paths:
            if root.is_dir():
                files: Iterator[Path] = _walk(root)
            elif root.exists():
                files = iter([root])
            else:
                raise InputError(f"log path not found: {root}")
            for path in files:
                yield RawLog(
                    name=str(path),
                    provenance=provenance_for(path),
                    chunks=FileChunks(path, self.block_size),
                )


def _natural(name: str) -> tuple[tuple[int, int | str], ...]:
    """attempt=2.log before attempt=10.log."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(name) if p)


def _walk(root: Path) -> Iterator[Path]:
    """Regular, non-hidden files under ``root``, depth first, sorted at every level."""
    try:
        entries = sorted(os.scandir(root), key=lambda e: _natural(e.name))
    except OSError as exc:
        raise InputError(f"cannot list log folder {root}: {exc.strerror or type(exc).__name__}") from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(root / entry.name)
        elif entry.is_file():
            yield root / entry.name


def provenance_for(path: Path) -> Provenance:
    """Provenance from Airflow's log path template; only ``file`` when the layout is absent."""
    found: dict[str, str] = {}
    for part in path.parts[:-1]:
        key, sep, value = part.partition("=")
        if sep and key in _KEYS:
            found[key] = value
    attempt = _ATTEMPT.match(path.name)
    map_index = found.get("map_index", "")
    return Provenance(
        dag_id=found.get("dag_id"),
        run_id=found.get("run_id"),
        task_id=found.get("task_id"),
        try_number=int(attempt.group(1)) if attempt else None,
        map_index=int(map_index) if map_index.lstrip("-").isdigit() else None,
        file=str(path),
    )
