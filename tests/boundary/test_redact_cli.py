"""`postwright redact` as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.boundary.redaction_canaries import rand


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "agent", "redact", *args], input=stdin, capture_output=True, timeout=60
    )


def test_redacts_file_and_writes_report(tmp_path: Path) -> None:
    secret = "gh" + "p_" + rand(36)
    pw = rand(12)
    log = tmp_path / "task.log"
    log.write_text(f"start\nusing {secret}\nmysql://u:{pw}@h/db\nagain {secret}\n", encoding="utf-8")
    report = tmp_path / "report.json"
    proc = _run(str(log), "--report", str(report))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert out == (
        "start\nusing [REDACTED:github-pat:1]\n"
        "mysql://u:[REDACTED:url-password:1]@h/db\nagain [REDACTED:github-pat:1]\n"
    )
    doc = json.loads(report.read_text())
    assert doc["count"] == 3
    assert [(e["kind"], e["line"], e["location"]) for e in doc["redactions"]] == [
        ("github-pat", 2, f"{log}:2"),
        ("url-password", 3, f"{log}:3"),
        ("github-pat", 4, f"{log}:4"),
    ]
    assert secret not in report.read_text() and pw not in report.read_text()


def test_stdin_and_invalid_utf8() -> None:
    pw = rand(14)
    proc = _run("-", stdin=b"bin \xff\xfe password=" + pw.encode() + b"\n")
    assert proc.returncode == 0
    assert proc.stdout.decode() == "bin \ufffd\ufffd password=[REDACTED:password:1]\n"


def test_missing_file_is_one_line_error(tmp_path: Path) -> None:
    proc = _run(str(tmp_path / "nope.log"))
    assert proc.returncode == 2
    err = proc.stderr.decode().strip()
    assert err.startswith("postwright: error: cannot read") and "\n" not in err and "Traceback" not in err


def test_report_dir_missing(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("x\n")
    proc = _run(str(log), "--report", str(tmp_path / "no" / "r.json"))
    assert proc.returncode == 2 and b"does not exist" in proc.stderr
