"""AirflowSource against a real Airflow 3: failed tries, mapped tasks, big logs, watermarks."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agent.ports import RawLog
from agent.sources.airflow import AirflowSource
from tests.airflow.conftest import DictStore
from tests.airflow.session import AirflowEnv

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(900)]


def _read(logs: list[RawLog] | Any) -> dict[tuple[str | None, str | None, int | None, int | None], str]:
    return {
        (
            log.provenance.run_id,
            log.provenance.task_id,
            log.provenance.try_number,
            log.provenance.map_index,
        ): "".join(log.chunks)
        for log in logs
    }


def _events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_reads_every_failed_try_as_json_lines(airflow_env: AirflowEnv) -> None:
    source = AirflowSource(airflow_env.settings(dag_ids=["pw_orders_sync"]))
    logs = _read(source.logs())
    run_a, run_b = airflow_env.runs["pw_orders_sync"]
    expected = {
        (run, task, n, -1)
        for run in (run_a, run_b)
        for task, n in (("create_order", 1), ("create_order", 2), ("fetch_pet", 1))
    }
    assert set(logs) == expected

    events = _events(logs[(run_a, "create_order", 2, -1)])
    # The fields the typed client would drop are kept, and provenance is on every line.
    assert all(
        {"event", "dag_id", "task_id", "try_number", "run_id", "map_index"} <= e.keys() for e in events
    )
    failure = next(e for e in events if e.get("error_detail"))
    assert failure["level"] == "error" and failure["logger"] == "task"
    assert failure["error_detail"][0]["exc_type"] == "HTTPError"
    assert "422 Client Error" in failure["error_detail"][0]["exc_value"]
    assert any('"sku"' in e["event"] and e.get("logger") == "task.stdout" for e in events)
    # Worker file paths from Airflow's "source details" group are not task output.
    assert not any(str(airflow_env.airflow.home) in e["event"] for e in events)
    # Airflow does not mask what a task prints: the raw log carries the token.
    assert airflow_env.fake_token in logs[(run_a, "create_order", 2, -1)]

    curl = "".join(e["event"] for e in _events(logs[(run_a, "fetch_pet", 1, -1)]))
    assert "500" in curl and "/v1/pets/42" in curl


def test_name_matches_airflow_log_layout(airflow_env: AirflowEnv) -> None:
    source = AirflowSource(airflow_env.settings(dag_ids=["pw_orders_sync"]))
    names = {log.name for log in source.logs()}
    run_a = airflow_env.runs["pw_orders_sync"][0]
    assert f"dag_id=pw_orders_sync/run_id={run_a}/task_id=create_order/attempt=2.log" in names


def test_mapped_task_reads_only_the_failed_index(airflow_env: AirflowEnv) -> None:
    source = AirflowSource(airflow_env.settings(dag_ids=["pw_mapped_*"]))
    logs = _read(source.logs())
    (run,) = airflow_env.runs["pw_mapped_pets"]
    assert set(logs) == {(run, "fetch", 1, 1)}
    text = logs[(run, "fetch", 1, 1)]
    assert "pet 500: HTTP 500" in text
    assert all(e["map_index"] == 1 for e in _events(text))


def test_states_select_what_is_read(airflow_env: AirflowEnv) -> None:
    default = AirflowSource(airflow_env.settings(dag_ids=["pw_all_good", "pw_orders_sync"]))
    assert {log.provenance.dag_id for log in default.logs()} == {"pw_orders_sync"}
    success = AirflowSource(
        airflow_env.settings(dag_ids=["pw_all_good", "pw_mapped_pets"], states=["success"])
    )
    got = {(log.provenance.dag_id, log.provenance.map_index) for log in success.logs()}
    assert got == {("pw_all_good", -1), ("pw_mapped_pets", 0), ("pw_mapped_pets", 2)}


def test_failed_try_of_a_task_that_then_succeeded_is_read(airflow_env: AirflowEnv) -> None:
    (run,) = airflow_env.runs["pw_flaky"]
    logs = _read(AirflowSource(airflow_env.settings(dag_ids=["pw_flaky"])).logs())
    assert set(logs) == {(run, "sync_inventory", 1, -1)}
    assert "HTTP 503" in logs[(run, "sync_inventory", 1, -1)]
    only_failed = AirflowSource(airflow_env.settings(dag_ids=["pw_flaky"], states=["failed"]))
    assert list(only_failed.logs()) == []


def test_since_bounds_the_time_window(airflow_env: AirflowEnv) -> None:
    future = datetime.now(UTC) + timedelta(days=1)
    assert list(AirflowSource(airflow_env.settings(dag_ids=["pw_*"], since=future)).logs()) == []
    past = datetime.now(UTC) - timedelta(days=1)
    assert list(AirflowSource(airflow_env.settings(dag_ids=["pw_mapped_pets"], since=past)).logs())


def test_watermark_resumes_after_a_pass_that_died_half_way(airflow_env: AirflowEnv, store: DictStore) -> None:
    settings = airflow_env.settings(dag_ids=["pw_orders_sync"], max_workers=2)
    run_a, run_b = airflow_env.runs["pw_orders_sync"]
    first = AirflowSource(settings, store).logs()
    seen: list[str | None] = []
    for log in first:
        "".join(log.chunks)
        seen.append(log.provenance.run_id)
        if len(seen) == 4:  # all of the first run, one log of the second: then the pass dies
            break
    first.close()  # type: ignore[attr-defined]  # a generator: close() ends the pass
    first_run = seen[0]
    assert seen[:3] == [first_run] * 3 and seen[3] != first_run
    assert len(store.marks) == 1
    mark = next(iter(store.marks.values()))
    assert first_run and first_run not in mark  # the mark keeps a digest of the run id, never the id itself
    assert len(json.loads(mark)["runs"]) == 1

    second = [log.provenance.run_id for log in _consume(AirflowSource(settings, store).logs())]
    assert second == [seen[3]] * 3 and {first_run, seen[3]} == {run_a, run_b}
    assert list(AirflowSource(settings, store).logs()) == []


def test_unconsumed_log_does_not_move_the_watermark(airflow_env: AirflowEnv, store: DictStore) -> None:
    settings = airflow_env.settings(dag_ids=["pw_orders_sync"])
    for _ in AirflowSource(settings, store).logs():
        pass  # logs handed out but never read
    assert store.marks == {}


def test_big_log_with_invalid_utf8_streams_in_bounded_memory(airflow_env: AirflowEnv) -> None:
    source = AirflowSource(airflow_env.settings(dag_ids=["pw_big_log"], max_workers=2))
    logs = source.logs()
    log = next(logs)
    tracemalloc.start()
    size = lines = biggest = 0
    special: list[dict[str, Any]] = []
    try:
        for chunk in log.chunks:
            size += len(chunk)
            lines += chunk.count("\n")
            biggest = max(biggest, len(chunk))
            special += [json.loads(x) for x in chunk.splitlines() if "bad bytes" in x or "error_detail" in x]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines > 100_000 and size > 10_000_000
    assert biggest < 200_000  # whole lines, ~64 KB a chunk
    assert peak < size / 4, f"peak {peak} for a {size}-char log"
    assert any(e["event"].startswith("bad bytes: \ufffd") for e in special)
    assert any(e["error_detail"][0]["exc_type"] == "RuntimeError" for e in special if "error_detail" in e)
    assert next(logs, None) is None


def _consume(logs: Any) -> list[RawLog]:
    out = []
    for log in logs:
        "".join(log.chunks)
        out.append(log)
    return out


def test_logs_flow_through_the_boundary_into_signals(airflow_env: AirflowEnv) -> None:
    from agent.boundary.inbound.redact import Redactor
    from agent.boundary.inbound.sanitize import sanitize_log
    from agent.sources.signals import extract_signals

    redactor = Redactor()
    source = AirflowSource(airflow_env.settings(dag_ids=["pw_orders_sync", "pw_mapped_pets"]))
    signals = []
    for raw in source.logs():
        evidence = sanitize_log(redactor, raw)
        assert airflow_env.fake_token not in evidence.text
        signals += extract_signals(evidence, None, provenance=raw.provenance)
    assert airflow_env.fake_token not in json.dumps([s.model_dump() for s in signals])
    calls = {(s.status, s.url.rsplit("/v1/", 1)[-1], s.provenance.task_id): s.method for s in signals}
    # requests' HTTPError names no method; curl's -w line does.
    assert calls[(422, "orders", "create_order")] in ("POST", "UNKNOWN")
    assert calls[(500, "pets/42", "fetch_pet")] == "GET"
    assert calls[(500, "pets/500", "fetch")] in ("GET", "UNKNOWN")
    orders = next(s for s in signals if s.status == 422)
    assert "detail" in orders.error_keys
    assert orders.provenance.dag_id == "pw_orders_sync" and orders.provenance.try_number in (1, 2)
