"""`postwright demo` (what `make demo` runs) writes the run's report and prints its path; the
demo's own leak check covers it (every file it wrote is searched for the planted tokens)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.security.attack_kit import cli

pytestmark = pytest.mark.slow


def test_demo_prints_the_reports_path(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    done = cli("demo", "--no-verify", "--workspace", str(ws), cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    found = re.search(r"^report\s+(\S+)$", done.stdout, re.MULTILINE)
    assert found, done.stdout
    report = Path(found.group(1))
    assert report.is_file() and report.is_relative_to(ws / ".postwright" / "reports")
    assert "none of the 5 planted tokens appears in any output" in done.stderr
    page = report.read_text(encoding="utf-8")
    assert "postwright demo report: Petstore" in page and "Content-Security-Policy" in page
    assert "<td>generate</td>" in page  # the time per stage
