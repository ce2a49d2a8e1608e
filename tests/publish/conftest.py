"""Fixtures that make a folder really read-only or really full (mounts need root)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.github.standin.fixtures import github, github_contract, github_server  # noqa: F401
from tests.gitlab.fixtures import gitlab, gitlab_server  # noqa: F401


def _run(*argv: str) -> bool:
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], None]]:
    """``read_only(path)``: a read-only bind mount of ``path`` over itself, undone afterwards.

    chmod does not stop root (CI runs as root); a read-only mount does. Not root: chmod works.
    """
    mounted: list[Path] = []
    changed: list[Path] = []

    def make(path: Path) -> None:
        if os.geteuid() != 0:
            for p in [path, *path.rglob("*")]:
                if p.is_dir():
                    p.chmod(0o555)
                    changed.append(p)
            return
        if not _run("mount", "--bind", str(path), str(path)):
            pytest.skip("cannot bind-mount here (no mount permission), so no read-only folder as root")
        mounted.append(path)
        if not _run("mount", "-o", "remount,bind,ro", str(path)):
            pytest.skip("cannot remount a bind mount read-only here")

    yield make
    for path in reversed(mounted):
        _run("umount", "-l", str(path))
    for p in changed:
        with contextlib.suppress(OSError):
            p.chmod(0o755)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """``small_disk(kib)``: a tmpfs of that size mounted in tmp_path, unmounted afterwards."""
    mounted: list[Path] = []

    def make(kib: int) -> Path:
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        if not _run("mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(where)):
            pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN) to fill a disk for real")
        mounted.append(where)
        return where

    yield make
    for path in reversed(mounted):
        _run("umount", "-l", str(path))
