"""`python -m tests.github.standin` serves a repository to try a client against by hand."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def test_run_by_hand_prints_a_url_and_a_token_that_work() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.github.standin"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = re.search(r"at (http://127\.0\.0\.1:\d+) ", proc.stdout.readline())
        token = proc.stdout.readline().strip().partition("=")[2]
        assert url and token
        reply = httpx.get(
            f"{url.group(1)}/repos/acme/api-tests", headers={"Authorization": f"Bearer {token}"}
        )
        assert reply.status_code == 200 and reply.json()["default_branch"] == "main"
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
