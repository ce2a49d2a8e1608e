"""Failed Airflow calls survive a run that dies before storing what it made of them (item 1).

A real `postwright run` reads a failed DAG run from a stub Airflow REST API and is killed
(SIGKILL, or SIGINT) at several points after its logs stage: the watermark must not have
moved, so the next run reads those logs again and stores the regression tests.
"""

from __future__ import annotations

import secrets
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import demo, wiring
from agent.config import load_settings
from agent.errors import EXIT_INTERRUPTED
from agent.events import RunFinished
from tests.reliability.kit import Running, StubAirflow, postwright, query, regressions, without_log_files


@pytest.fixture
def airflow(tmp_path: Path) -> Iterator[tuple[demo.Workspace, StubAirflow]]:
    ws = demo.prepare(tmp_path / "ws")
    without_log_files(ws)
    with StubAirflow(ws, token="pwt_" + secrets.token_hex(16)) as stub:
        yield ws, stub


@pytest.mark.sandbox
@pytest.mark.parametrize(
    ("after", "sig"),
    [
        ("logs", signal.SIGKILL),  # dies in diff or plan
        ("plan", signal.SIGKILL),  # dies in generate or check
        ("check", signal.SIGKILL),  # dies in verify (Prism and newman take seconds)
        ("check", signal.SIGINT),  # Ctrl-C in verify
    ],
)
def test_kill_before_results_are_stored_loses_no_failure(
    airflow: tuple[demo.Workspace, StubAirflow], after: str, sig: signal.Signals
) -> None:
    ws, stub = airflow
    with Running(ws.root, "run", env=stub.env()) as first:
        first.wait_for(rf"✓ {after}\b")
        code = first.kill(sig)
    assert code == (EXIT_INTERRUPTED if sig == signal.SIGINT else -signal.SIGKILL)
    assert query(ws.root, "SELECT count(*) FROM proposals") == [(0,)]  # it died before storing
    reads = stub.hits

    second = postwright(ws.root, "run", env=stub.env())
    assert second.returncode == 0, second.stderr
    assert stub.hits > reads  # the logs were read again: the watermark had not moved
    assert "failures 3" in second.stdout
    assert regressions(ws.root) == 3  # the three failed calls became tests
    if sig == signal.SIGKILL:  # the dead run is reported (after Ctrl-C the run said so itself)
        assert "was interrupted during" in second.stderr
    assert query(ws.root, "SELECT status FROM runs ORDER BY started LIMIT 1") == [("interrupted",)]

    third = postwright(ws.root, "run", "--no-verify", env=stub.env())
    assert third.returncode == 0, third.stderr
    assert "failures 0" in third.stdout  # now the watermark has moved, with the proposals


def test_crash_in_plan_keeps_the_watermark(
    airflow: tuple[demo.Workspace, StubAirflow], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, stub = airflow
    for name, value in stub.env().items():
        monkeypatch.setenv(name, value)
    settings = load_settings(config=ws.root / "postwright.toml", state_dir=ws.root / ".postwright")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("plan broke")

    with monkeypatch.context() as patched:
        patched.setattr("agent.pipeline.plan", broken)
        with wiring.build(settings, verify=False, publish=False) as pipeline, pytest.raises(RuntimeError):
            list(pipeline.run(wiring.job(settings)))
    assert query(ws.root, "SELECT count(*) FROM watermarks") == [(0,)]
    assert query(ws.root, "SELECT status FROM runs") == [("failed",)]

    with wiring.build(settings, verify=False, publish=False) as pipeline:
        finished = list(pipeline.run(wiring.job(settings)))[-1]
    assert isinstance(finished, RunFinished)
    assert finished.summary.signals == 3 and regressions(ws.root) == 3
    assert query(ws.root, "SELECT count(*) FROM watermarks") == [(1,)]
