"""One real run of the demo per session (verified in the sandbox); each test reviews its own copy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review.kit import make_project, real_run
from tests.review.tmux import need_tmux
from tests.runner.conftest import sandbox_dir

__all__ = ["sandbox_dir"]


@pytest.fixture(scope="session")
def verified_project(tmp_path_factory: pytest.TempPathFactory, sandbox_dir: Path) -> Path:
    """The demo project after `postwright run --no-publish`: 19 tests pending, verified 3/3."""
    root = make_project(tmp_path_factory.mktemp("review") / "project")
    real_run(root)
    return root


@pytest.fixture
def project(verified_project: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the verified project (its state database and repository) for one test."""
    need_tmux()
    copy = tmp_path / "project"
    shutil.copytree(verified_project, copy, symlinks=True)
    shutil.copy(verified_project.parent / "canaries.json", tmp_path)
    yield copy
