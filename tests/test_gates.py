"""The lint gate means something: `make test` runs ruff (blind except, complexity, stale noqa,
format) and mypy over agent, tests and evals before the tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = Path(sys.executable).with_name("ruff")


def _ruff(source: str) -> set[str]:
    """The rule codes ruff reports for ``source`` as if it were a module of agent/."""
    done = subprocess.run(
        [str(RUFF), "check", "--output-format", "concise", "--stdin-filename", "agent/_probe.py", "-"],
        input=source,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return {line.split(" ", 2)[1] for line in done.stdout.splitlines() if line.startswith("agent/_probe.py:")}


def _branches(n: int) -> str:
    """A function of complexity ``n``."""
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(n - 1))
    return f"def f(x: int) -> int:\n{body}    return -1\n"


BLIND = [
    "def f() -> None:\n    try:\n        pass\n    except Exception:\n        pass\n",
    "def f() -> None:\n    try:\n        pass\n    except BaseException:\n        return\n",
    "def f() -> None:\n    try:\n        pass\n    except (ValueError, Exception):\n        pass\n",
]


@pytest.mark.skipif(not RUFF.exists(), reason="ruff is not installed beside this interpreter")
@pytest.mark.parametrize("source", BLIND)
def test_a_blind_except_is_refused(source: str) -> None:
    assert "BLE001" in _ruff(source)
    justified = re.sub(r"(except .*:)", r"\1  # noqa: BLE001 - a worker boundary", source)
    assert "BLE001" not in _ruff(justified)


@pytest.mark.skipif(not RUFF.exists(), reason="ruff is not installed beside this interpreter")
def test_complexity_past_15_is_refused() -> None:
    assert "C901" not in _ruff(_branches(15))
    assert "C901" in _ruff(_branches(16))
    assert "C901" in _ruff(_branches(30))


@pytest.mark.skipif(not RUFF.exists(), reason="ruff is not installed beside this interpreter")
@pytest.mark.parametrize("code", ["E501", "N802", "S603", "BLE001"])
def test_a_stale_noqa_is_refused(code: str) -> None:
    assert "RUF100" in _ruff(f"X = 1  # noqa: {code}\n")


def test_mypy_checks_tests_and_evals() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["strict"] is True
    assert {"agent", "tests", "evals"} <= set(config["files"])
    loose = [o for o in config.get("overrides", []) if "tests.*" in o["module"]]
    assert loose and "ignore_errors" not in loose[0], "tests are checked, with looser settings"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_runs_the_lint_gate_first() -> None:
    done = subprocess.run(
        ["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    lines = [line.strip() for line in done.stdout.splitlines()]
    pytest_at = next(i for i, line in enumerate(lines) if line.endswith("bin/pytest"))
    for command in (
        "ruff check agent tests evals providers",
        "ruff format --check agent tests evals providers",
        "bin/mypy",
    ):
        at = next((i for i, line in enumerate(lines) if line.endswith(command)), None)
        assert at is not None and at < pytest_at, (command, lines)
