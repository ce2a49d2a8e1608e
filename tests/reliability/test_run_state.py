"""One Pipeline object, many runs: each run has its own state (issue 15, item 5).

The demo's logs hold planted tokens (redacted) and injected instructions (quarantined); a
run that leaked state into the next would double the quarantine count or store the first
run's redactions again under the second run's id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agent import demo, wiring
from agent.config import Settings, load_settings
from agent.events import Notice, RunFinished
from agent.pipeline import Pipeline
from agent.store import SQLiteStore

RUNS = 3


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    ws = demo.prepare(tmp_path / "ws")
    return load_settings(config=ws.root / "postwright.toml", state_dir=ws.root / ".postwright")


@pytest.fixture
def pipeline(settings: Settings) -> Iterator[Pipeline]:
    with wiring.build(settings, verify=False, publish=False) as built:
        yield built


def _run(pipeline: Pipeline, settings: Settings) -> RunFinished:
    events = list(pipeline.run(wiring.job(settings, kind="test", name="Petstore")))
    assert not [e for e in events if isinstance(e, Notice) and e.finding.code == "run-interrupted"]
    last = events[-1]
    assert isinstance(last, RunFinished)
    return last


def _assert_independent(finished: list[RunFinished], store: SQLiteStore) -> None:
    first = finished[0]
    assert first.summary.quarantined > 0 and first.summary.redactions > 0  # the demo plants both
    run_ids = {f.summary.run_id for f in finished}
    assert len(run_ids) == RUNS
    for run in finished:
        # the same counts every time (3, 3, 3), not 3, 6, 9
        assert run.summary.quarantined == first.summary.quarantined
        assert run.summary.redactions == first.summary.redactions
        stored = store.redactions(run.summary.run_id or "")
        assert len(stored) == first.summary.redactions  # only this run's, under this run's id
        injections = [e for e in store.audit_events(run.summary.run_id) if e.event == "injection-suspected"]
        assert len(injections) == first.summary.quarantined
    assert first.collection is not None and first.collection["item"]
    for run in finished:
        assert json.dumps(run.collection, sort_keys=True) == json.dumps(first.collection, sort_keys=True)
    assert {r.status for r in store.runs() if r.id in run_ids} == {"ok"}


def test_one_pipeline_runs_three_times_in_a_row(pipeline: Pipeline, settings: Settings) -> None:
    finished = [_run(pipeline, settings) for _ in range(RUNS)]
    assert isinstance(pipeline.store, SQLiteStore)
    _assert_independent(finished, pipeline.store)


def test_one_pipeline_runs_three_times_at_once(pipeline: Pipeline, settings: Settings) -> None:
    with ThreadPoolExecutor(RUNS) as pool:
        finished = list(pool.map(lambda _: _run(pipeline, settings), range(RUNS)))
    assert isinstance(pipeline.store, SQLiteStore)
    _assert_independent(finished, pipeline.store)


def test_a_pipeline_holds_adapters_only(pipeline: Pipeline) -> None:
    for name in ("redactor", "collection", "quarantined"):
        assert not hasattr(pipeline, name), name
    with pytest.raises(AttributeError):
        pipeline.logs = None  # type: ignore[misc]
