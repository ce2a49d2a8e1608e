"""`python -m evals`: every area gets a table or a clear skip line in REPORT.md, with its plots."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evals.suite.run import AREAS
from tests.corpora import needs_corpora

ROOT = Path(__file__).resolve().parents[2]
PLOTS = ("kill-rate-by-kind", "redaction-throughput", "attack-success-by-family", "generation-time",
         "generation-memory")  # fmt: skip


def _evals(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evals", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def _sections(report: str) -> dict[str, str]:
    """Each `## title` section's body."""
    parts = re.split(r"^## (.+)$", report, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _filled(body: str) -> bool:
    """A table with at least one row, or a skip/failure line saying why not."""
    rows = [line for line in body.splitlines() if line.startswith("| ") and not line.startswith("| figure")]
    return bool(rows) or bool(re.search(r"^(skipped|failed)\b", body, re.M))


@pytest.mark.slow
@pytest.mark.timeout(480)  # the run itself is bounded below; this only outlasts it
@needs_corpora("oasdiff", "gitleaks.jsonl.gz", "bipia.jsonl.gz", "piguard.jsonl.gz")
def test_quick_run_writes_every_area_and_the_plots(tmp_path: Path) -> None:
    done = _evals("--quick", "--out", str(tmp_path), timeout=420)
    assert done.returncode == 0, done.stderr[-2000:]
    report = (tmp_path / "REPORT.md").read_text(encoding="utf-8")
    sections = _sections(report)
    assert len(sections) == len(AREAS), list(sections)
    empty = [title for title, body in sections.items() if not _filled(body)]
    assert not empty, empty
    failed = [title for title, body in sections.items() if re.search(r"^failed\b", body, re.M)]
    assert not failed, failed
    # the real-software areas say they were left out, and why
    assert report.count("skipped in --quick") == 2
    for name in PLOTS:
        png = tmp_path / "plots" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"(plots/{name}.png)" in report
    assert "Reproduce: `" in report and "Machine: " in report


@pytest.mark.parametrize(
    ("area", "corpus"),
    [
        ("diff-agreement", "oasdiff"),
        ("redaction-recall", "gitleaks.jsonl.gz"),
        ("injection-detection", "bipia.jsonl.gz"),
    ],
)
def test_an_absent_corpus_is_a_skip_line_naming_it(tmp_path: Path, area: str, corpus: str) -> None:
    env = {**os.environ, "POSTWRIGHT_CORPORA": str(tmp_path / "empty")}
    done = _evals("--only", area, "--out", str(tmp_path), env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    body = "".join(_sections((tmp_path / "REPORT.md").read_text(encoding="utf-8")).values())
    assert f"skipped: corpus {corpus} absent" in body
    assert str(tmp_path) not in body  # no machine path in the report


@pytest.mark.parametrize("args", [["--only", "nope"], ["--quick", "--full"], ["--only", "diff-agreement,x"]])
def test_bad_arguments_are_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    done = _evals(*args, "--out", str(tmp_path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "REPORT.md").exists()
