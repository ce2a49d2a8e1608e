"""In the nightly DAG every API's propose reads every failed check of the DAG: a failed call that
matches no operation of this API's spec (another API's failure) makes no test, so it must not make
a new change set either — no second local branch with the same tests. A new failure of its own does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.airflow_provider.kit import Target, make_api

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _line(url: str, status: int) -> str:
    return (
        json.dumps({"event": f'HTTP Request: GET {url} "HTTP/1.1 {status} Error"', "level": "error"}) + "\n"
    )


def _run(config: Path, log: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent", "--config", str(config), "run", "--no-verify", "--logs", str(log)]
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=300, env=dict(os.environ), check=False
    )


def test_a_failure_of_another_api_keeps_the_change_set(tmp_path: Path) -> None:
    target = Target("pet", "unused", broken=False)
    try:
        api = make_api(tmp_path / "pets", "pet", target, airflow_url="http://127.0.0.1:9", sandbox=tmp_path)
    finally:
        target.close()
    api.config.write_text(
        api.config.read_text().replace('[airflow]\nurl = "http://127.0.0.1:9"\n', "[airflow]\n")
    )
    log = tmp_path / "check.log"
    log.write_text(_line("http://127.0.0.1:8000/pets/1", 500))
    first = _run(api.config, log)
    assert first.returncode == 0, first.stderr[-2000:]
    branches = api.branches()
    assert len(branches) == 1, first.stdout
    for other in ("http://127.0.0.1:8001/orders/7", "http://127.0.0.1:8001/pets-archive/1/x"):
        log.write_text(log.read_text() + _line(other, 503))  # the orders API's failed check
        again = _run(api.config, log)
        assert again.returncode == 0, again.stderr[-2000:]
        assert "failures" in again.stdout and api.branches() == branches, again.stdout
    log.write_text(log.read_text() + _line("http://127.0.0.1:8000/pets", 502))  # one of this API's
    new = _run(api.config, log)
    assert new.returncode == 0, new.stderr[-2000:]
    assert len(api.branches()) == 2 and set(branches) < set(api.branches()), new.stdout
