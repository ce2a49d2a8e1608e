"""The layers of ARCHITECTURE.md hold (import-linter, `.importlinter`), and the contract can fail.

The second test plants one forbidden import per class (core → adapter, core → vendor SDK,
core → subprocess, a lazy import inside a function, an indirect chain, agent → evals,
adapter → interface, pipeline → adapter) in a copy of the package and expects lint-imports to refuse it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}  # the package in cwd, not the installed one
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "--config", str(cwd / ".importlinter")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_layer_contract_holds() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout and "4 kept" in done.stdout


CORE = "The pure core imports no adapter"
EVALS = "agent never imports evals"
INTERFACES = "Adapters and the pipeline never import an interface"
PIPELINE = "The pipeline reaches adapters through the ports"
PLANTS = [
    ("agent/diff/engine.py", "from agent.store import sqlite as _sqlite\n", CORE),
    ("agent/plan/planner.py", "import openai as _openai\n", CORE),
    ("agent/check/batch.py", "def _run() -> None:\n    import subprocess\n", CORE),
    ("agent/generate/postman.py", "def _later() -> None:\n    from agent.generate import llm\n", CORE),
    ("agent/boundary/inbound/redact.py", "from agent.wiring import build as _build\n", CORE),
    ("agent/models.py", "import agent.planted_helper\n", CORE),  # indirect: via a new module
    ("agent/publish/prbody.py", "import httpx as _httpx\n", CORE),
    ("agent/cli/main.py", "import evals.startup as _startup\n", EVALS),
    ("agent/store/sqlite.py", "from agent.cli import main as _main\n", INTERFACES),
    ("agent/pipeline.py", "def _open() -> None:\n    from agent.store.sqlite import SQLiteStore\n", PIPELINE),
]


@pytest.mark.parametrize(("module", "line", "contract"), PLANTS, ids=[p[0] for p in PLANTS])
def test_the_contract_catches_a_planted_violation(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    skip = shutil.ignore_patterns("__pycache__", "examples")
    shutil.copytree(ROOT / "agent", tmp_path / "agent", ignore=skip)
    (tmp_path / "agent" / "planted_helper.py").write_text("from agent.runner import newman as _newman\n")
    assert _lint(tmp_path).returncode == 0, "the copy must hold before the plant"
    target = tmp_path / module
    target.write_text(target.read_text() + "\n" + line)
    done = _lint(tmp_path)
    assert done.returncode != 0, done.stdout
    assert contract in done.stdout.split("Broken contracts")[-1], done.stdout
