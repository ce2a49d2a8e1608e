"""AirflowSource pieces without Airflow: rendering, the prefetch pool, retries against a stub server."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from agent.errors import ConfigError, SourceUnreachable
from agent.models import Provenance
from agent.sources.airflow import AirflowSettings, AirflowSource
from agent.sources.airflow_logs import CHUNK_BYTES, log_name, render_events
from agent.sources.airflow_pool import Prefetch
from tests.airflow.airflow_harness import free_port

PROV = Provenance(dag_id="d", run_id="r", task_id="t", try_number=2, map_index=3)


def test_render_drops_the_source_group_and_fills_provenance() -> None:
    events = [
        {"timestamp": None, "event": "::group::Log message source details"},
        {"timestamp": None, "event": "/var/airflow/logs/dag_id=d/attempt=2.log"},
        {"timestamp": None, "event": "::endgroup::"},
        {"timestamp": "2026-01-01T00:00:00Z", "event": "hello", "level": "info", "logger": "task.stdout"},
        "a plain text line",
    ]
    lines = "".join(render_events(events, PROV)).splitlines()
    parsed = [json.loads(line) for line in lines]
    assert [p["event"] for p in parsed] == ["hello", "a plain text line"]
    assert parsed[0]["level"] == "info" and parsed[0]["logger"] == "task.stdout"
    assert all(p["map_index"] == 3 and p["try_number"] == 2 and p["dag_id"] == "d" for p in parsed)


def test_render_chunks_are_whole_lines_of_bounded_size() -> None:
    events = ({"event": f"line {i} " + "y" * 200} for i in range(5_000))
    chunks = list(render_events(events, PROV))
    assert len(chunks) > 10
    assert all(c.endswith("\n") and len(c) < CHUNK_BYTES + 1_000 for c in chunks)
    assert sum(c.count("\n") for c in chunks) == 5_000


def test_log_name_follows_airflow_layout() -> None:
    assert log_name(PROV) == "dag_id=d/run_id=r/task_id=t/map_index=3/attempt=2.log"
    assert log_name(PROV.model_copy(update={"map_index": -1})) == "dag_id=d/run_id=r/task_id=t/attempt=2.log"


def _slow(job: int) -> Iterator[str]:
    time.sleep(random.random() / 50)
    yield f"{job}a"
    yield f"{job}b"


def test_prefetch_keeps_order_and_passes_markers_through() -> None:
    items: list[int | str] = [1, 2, "mark-1", 3, 4, 5, "mark-2", 6]
    pool: Prefetch[int | str] = Prefetch(lambda j: _slow(int(j)), lambda j: isinstance(j, int), workers=3)
    out = []
    for item, stream in pool.run(items):
        out.append((item, list(stream) if stream is not None else None))
    assert out == [(i, [f"{i}a", f"{i}b"]) if isinstance(i, int) else (i, None) for i in items]


def test_prefetch_hands_worker_errors_to_the_consumer() -> None:
    def fetch(job: int) -> Iterator[str]:
        yield "first"
        raise SourceUnreachable(f"job {job} broke")

    pool: Prefetch[int] = Prefetch(fetch, lambda j: True, workers=2)
    item, stream = next(iter(pool.run([7])))
    assert stream is not None
    with pytest.raises(SourceUnreachable, match="job 7 broke"):
        list(stream)


def test_prefetch_skipped_log_frees_its_worker_and_cannot_be_read_late() -> None:
    def endless(job: int) -> Iterator[str]:
        while True:
            yield "z" * 1000

    pool: Prefetch[int] = Prefetch(endless, lambda j: True, workers=2)
    run = pool.run([1, 2, 3])
    _, first = next(run)
    _, second = next(run)  # the first was never read
    assert first is not None and second is not None
    with pytest.raises(RuntimeError, match="skipped"):
        list(first)
    run.close()  # must not hang on workers blocked on full queues


class _Stub(BaseHTTPRequestHandler):
    script: list[int] = []
    hits: list[str] = []
    token_status = 201

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(self.token_status, {"access_token": "stub.jwt.value"})

    def do_GET(self) -> None:
        self.hits.append(self.path)
        status = self.script.pop(0) if self.script else 200
        body: dict[str, Any] = {"dag_runs": [], "total_entries": 0} if status == 200 else {"detail": "boom"}
        self._send(status, body, retry_after=status == 429)

    def _send(self, status: int, body: dict[str, Any], retry_after: bool = False) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if retry_after:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[type[_Stub]]:
    handler = type("Stub", (_Stub,), {"script": [], "hits": [], "token_status": 201})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler
    server.shutdown()
    server.server_close()


def _source(stub: Any, **kw: Any) -> AirflowSource:
    values = {"base_url": stub.url, "username": "u", "password": "p", "dag_ids": ["d"], "backoff": 0.01, **kw}
    return AirflowSource(AirflowSettings.model_validate(values))


def test_retries_on_5xx_and_429_then_succeeds(stub: Any) -> None:
    stub.script[:] = [503, 429, 500]
    assert list(_source(stub, retries=3).logs()) == []
    assert len(stub.hits) == 4 and all(h.startswith("/api/v2/dags/d/dagRuns") for h in stub.hits)


def test_persistent_500_is_source_unreachable(stub: Any) -> None:
    stub.script[:] = [500] * 10
    with pytest.raises(SourceUnreachable, match="answered 500"):
        list(_source(stub, retries=2).logs())
    assert len(stub.hits) == 3


def test_token_refused_names_the_password_setting(stub: Any) -> None:
    stub.token_status = 401
    with pytest.raises(ConfigError, match="POSTWRIGHT_AIRFLOW__PASSWORD"):
        list(_source(stub).logs())


def test_nothing_listening_is_source_unreachable() -> None:
    settings = AirflowSettings(
        base_url=f"http://127.0.0.1:{free_port()}", token=SecretStr("t"), dag_ids=["d"], retries=1
    )
    with pytest.raises(SourceUnreachable, match="unreachable"):
        list(AirflowSource(settings).logs())


def test_no_credentials_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="POSTWRIGHT_AIRFLOW__TOKEN"):
        list(AirflowSource(AirflowSettings(base_url="http://127.0.0.1:9", dag_ids=["d"])).logs())


def test_settings_repr_hides_secrets() -> None:
    secret = "pw-" + "".join(random.choices("abcdef0123456789", k=16))
    settings = AirflowSettings(username="u", password=SecretStr(secret), token=SecretStr(secret))
    assert secret not in repr(settings) and secret not in str(settings.model_dump())


_T0 = "2026-11-24T02:00:00+00:00"
_RUN = {
    "dag_id": "d",
    "dag_display_name": "d",
    "dag_run_id": "r1",
    "dag_versions": [],
    "run_after": _T0,
    "run_type": "scheduled",
    "state": "failed",
    "end_date": _T0,
}
_TI = {
    "id": "00000000-0000-0000-0000-000000000001",
    "dag_id": "d",
    "dag_display_name": "d",
    "dag_run_id": "r1",
    "executor_config": "{}",
    "map_index": -1,
    "max_tries": 0,
    "pool": "default_pool",
    "pool_slots": 1,
    "run_after": _T0,
    "task_display_name": "t",
    "task_id": "t",
    "try_number": 1,
    "state": "failed",
}


class _BrokenLog(_Stub):
    """Lists one failed try, then breaks its log off half-way (the server died mid-stream)."""

    def do_GET(self) -> None:
        if self.path.startswith("/api/v2/dags/d/dagRuns/r1/taskInstances/t/logs/1"):
            line = json.dumps({"timestamp": _T0, "event": "working", "level": "info"}) + "\n"
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Content-Length", "10000000")
            self.end_headers()
            self.wfile.write((line * 2000).encode())  # more than one 64 KB chunk
            self.wfile.flush()
            self.close_connection = True
        elif "/taskInstances" in self.path:
            self._send(200, {"task_instances": [_TI], "total_entries": 1})
        else:
            self._send(200, {"dag_runs": [_RUN], "total_entries": 1})


def test_log_broken_off_mid_stream_is_source_unreachable_and_keeps_the_watermark() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BrokenLog)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    marks: dict[str, str] = {}

    class Store:
        def get_watermark(self, key: str) -> str | None:
            return marks.get(key)

        def set_watermark(self, key: str, value: str) -> None:
            marks[key] = value

    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        settings = AirflowSettings(base_url=url, token=SecretStr("t"), dag_ids=["d"], retries=0)
        received: list[str] = []
        with pytest.raises(SourceUnreachable, match="broke off the log of d/r1/t try 1"):
            for log in AirflowSource(settings, Store()).logs():
                received.extend(log.chunks)
        assert "working" in "".join(received)  # what arrived was handed on as it arrived
        assert marks == {}
    finally:
        server.shutdown()
        server.server_close()
