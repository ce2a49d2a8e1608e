"""Hostile Airflow logs, end to end: `postwright run` with a gullible model, verify and publish.

A task log carries credentials in every shape that used to slip through redaction, a secret in
its run id (so in its path), and instructions to send the token to the attacker. After the run
no planted value is in any artifact (console, state database, published branch, PR body, the
model's prompts), and the published collection, run by the user with a real token, sends
nothing to the attacker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import demo
from tests.security.attack_kit import Recorder, artifacts, have_newman, leaks, newman
from tests.security.hostile_log import canaries, plant_log, published, run_gullible

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.slow,
    pytest.mark.skipif(not have_newman(), reason="newman is not installed (make sandbox)"),
]


def test_hostile_log_run_leaks_nothing_and_reaches_no_listener(
    tmp_path: Path, listener: Recorder, target: Recorder
) -> None:
    c = canaries()
    ws = demo.prepare(tmp_path / "ws")
    plant_log(ws, c, listener)
    done, prompts, obeyed = run_gullible(ws)
    console = done.stdout + done.stderr
    assert "Traceback" not in console and done.returncode == 0, console[-3000:]
    assert prompts != "[]" and obeyed, "the attack never reached the model"

    places = [*artifacts(ws.root, ws.repo, outputs=console, skip=(ws.root / "logs",))]
    places.append(("prompts sent to the model", prompts.encode()))
    assert leaks(c.values, places) == []

    collection = published(ws)
    assert collection is not None, "nothing was published"
    assert str(listener.port) not in collection
    (tmp_path / "published.json").write_text(collection)
    newman(
        tmp_path / "published.json",
        ("accessToken", c.token),
        ("apiKey", c.api_key),
        ("baseUrl", target.url),
        cwd=tmp_path,
    )
    assert target.requests, "the published collection never reached the user's target"
    assert listener.requests == [], listener.text()[:2000]
