"""`postwright diff` end to end in a real subprocess: formats, filters, exit codes, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent", "diff", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture
def pair(examples_dir: Path) -> tuple[str, str]:
    specs = examples_dir / "specs"
    return str(specs / "petstore-v1.yaml"), str(specs / "petstore-v2.yaml")


def test_json_shape(pair: tuple[str, str]) -> None:
    done = _run(*pair, "--format", "json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["base"] == pair[0] and payload["revision"] == pair[1]
    keys = {"id", "level", "operation", "path", "method", "text", "fingerprint", "source"}
    assert payload["changes"] and all(set(c) == keys for c in payload["changes"])
    assert any(c["id"] == "endpoint-added" for c in payload["changes"])


def test_breaking_only_and_fail_on(pair: tuple[str, str]) -> None:
    done = _run(*pair, "--breaking-only", "--fail-on", "error", "--format", "json")
    assert done.returncode == 1
    assert {c["level"] for c in json.loads(done.stdout)["changes"]} == {"error", "warning"}
    assert _run(*pair, "--fail-on", "warning").returncode == 1
    same = _run(pair[1], pair[1], "--fail-on", "warning")
    assert same.returncode == 0 and "0 changes" in same.stdout


def test_markdown_and_text(pair: tuple[str, str]) -> None:
    md = _run(*pair, "--format", "markdown", "--no-validate")
    assert md.returncode == 0 and "| level | rule |" in md.stdout
    text = _run(*pair)
    assert "new-required-request-parameter GET /pets" in text.stdout


def test_bad_input_is_one_line(tmp_path: Path, pair: tuple[str, str]) -> None:
    (tmp_path / "a.json").write_text("[1]")
    done = _run(pair[0], str(tmp_path / "a.json"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert _run(*pair, "--format", "xml").returncode == 2
    assert _run(*pair, "--fail-on", "info").returncode == 2
