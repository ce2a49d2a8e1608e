"""Airflow source: no URL credential or secret-shaped run id in watermarks, messages or the state DB.

A stub Airflow 3 API on loopback lists one failed run whose id a manual trigger made secret-
shaped; the base URL carries a password. Planted values are made at run time.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from pydantic import SecretStr

from agent.boundary.inbound.provenance import sanitize_raw_log
from agent.boundary.inbound.redact import Redactor
from agent.errors import PostwrightError
from agent.events import RunFinished
from agent.models import Provenance, SpecDocument
from agent.pipeline import Job, Pipeline
from agent.ports import RawLog
from agent.sources.airflow import AirflowSettings, AirflowSource
from agent.specs.load import load_spec
from agent.store import SQLiteStore
from tests.json_server import JsonHandler

DEMO_SPEC = Path(__file__).parents[2] / "agent" / "examples" / "demo" / "specs" / "petstore-v2.yaml"
_T0 = "2026-11-24T02:00:00+00:00"


def _run(run_id: str) -> dict[str, Any]:
    return {
        "dag_id": "d",
        "dag_display_name": "d",
        "dag_run_id": run_id,
        "dag_versions": [],
        "run_after": _T0,
        "run_type": "manual",
        "state": "failed",
        "end_date": _T0,
    }


def _ti(run_id: str) -> dict[str, Any]:
    return {
        "id": "00000000-0000-0000-0000-000000000001",
        "dag_id": "d",
        "dag_display_name": "d",
        "dag_run_id": run_id,
        "executor_config": "{}",
        "map_index": -1,
        "max_tries": 0,
        "pool": "default_pool",
        "pool_slots": 1,
        "run_after": _T0,
        "task_display_name": "fetch_pets",
        "task_id": "fetch_pets",
        "try_number": 1,
        "state": "failed",
    }


def _failed_call(url: str) -> dict[str, Any]:
    return {"timestamp": _T0, "event": f'HTTP Request: GET {url} "HTTP/1.1 400 Bad Request"', "level": "info"}


class _Airflow(JsonHandler):
    run_id = "r1"
    call_url = "https://api.petstore.example/v1/pets?limit=5"
    status = 200
    paths: list[str] = []

    def do_GET(self) -> None:
        self.paths.append(unquote(self.path))
        if self.status != 200:
            self.send_json(self.status, {"detail": "no"})
        elif "/logs/" in self.path:
            body = (json.dumps(_failed_call(self.call_url)) + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif "/taskInstances" in self.path:
            self.send_json(200, {"task_instances": [_ti(self.run_id)], "total_entries": 1})
        else:
            self.send_json(200, {"dag_runs": [_run(self.run_id)], "total_entries": 1})


@pytest.fixture
def airflow() -> Iterator[tuple[int, type[_Airflow]]]:
    run_id = "manual__sk_live_" + secrets.token_hex(12)
    handler = type("Airflow", (_Airflow,), {"run_id": run_id, "status": 200, "paths": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], handler
    server.shutdown()
    server.server_close()


def _settings(port: int, password: str) -> AirflowSettings:
    return AirflowSettings(
        base_url=f"http://svc:{password}@127.0.0.1:{port}", token=SecretStr("t"), dag_ids=["d"], retries=0
    )


class _Specs:
    def load(self, ref: str) -> SpecDocument:
        return load_spec(ref)


def test_watermark_is_shared_across_passwords_and_holds_no_secret(
    tmp_path: Path, airflow: tuple[int, type[_Airflow]]
) -> None:
    port, handler = airflow
    passwords = [secrets.token_hex(10), secrets.token_hex(10)]
    store = SQLiteStore(tmp_path / "s.db")
    first = AirflowSource(_settings(port, passwords[0]), store)
    assert [raw.provenance.run_id for raw in first.logs() if list(raw.chunks)] == [handler.run_id]
    second = AirflowSource(_settings(port, passwords[1]), store)
    assert second.watermark_key("d") == first.watermark_key("d") == f"airflow:http://127.0.0.1:{port}:d"
    assert list(second.logs()) == []  # the other password's pass sees the same watermark
    store.close()
    written = b"".join(p.read_bytes() for p in tmp_path.glob("s.db*"))
    for secret in (*passwords, handler.run_id, handler.run_id.split("__", 1)[1]):
        assert secret.encode() not in written


@pytest.mark.parametrize("status", [401, 403, 404, 500])
def test_error_messages_never_quote_the_password(airflow: tuple[int, type[_Airflow]], status: int) -> None:
    port, handler = airflow
    handler.status = status
    password = secrets.token_hex(10)
    with pytest.raises(PostwrightError) as caught:
        list(AirflowSource(_settings(port, password)).logs())
    assert password not in str(caught.value) and f"http://***@127.0.0.1:{port}" in str(caught.value)


def test_pipeline_records_redacted_provenance_only(
    tmp_path: Path, airflow: tuple[int, type[_Airflow]]
) -> None:
    port, handler = airflow
    password = secrets.token_hex(10)
    secret = handler.run_id.split("__", 1)[1]
    store = SQLiteStore(tmp_path / "s.db")
    with Pipeline(
        specs=_Specs(), store=store, logs=AirflowSource(_settings(port, password), store)
    ) as pipeline:
        events = list(
            pipeline.run(Job(revision=str(DEMO_SPEC), config={"airflow": f"http://svc:{password}@h"}))
        )
    finished = events[-1]
    assert isinstance(finished, RunFinished) and finished.summary.signals == 1
    collection = json.dumps(finished.collection)
    assert secret not in collection and "manual__[REDACTED:stripe-key:" in collection
    written = b"".join(p.read_bytes() for p in tmp_path.glob("s.db*"))
    assert secret.encode() not in written and password.encode() not in written


def _tokens() -> list[str]:
    return [
        "sk_live_" + secrets.token_hex(12),
        "ghp_" + secrets.token_hex(18),
        "AKIA" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
        "xoxb-"
        + "-".join(str(secrets.randbelow(10**12)).zfill(12) for _ in range(2))
        + "-"
        + secrets.token_hex(12),
    ]


@pytest.mark.parametrize("token", _tokens(), ids=["stripe", "github", "aws", "slack"])
@pytest.mark.parametrize("glue", ["manual__{t}", "push_{t}", "run-{t}", "x.{t}", "k={t}", "{t}", "a b {t}"])
def test_a_raw_log_name_and_ids_cross_the_redactor(token: str, glue: str) -> None:
    value = glue.format(t=token)
    raw = RawLog(
        name=f"dag_id=d/run_id={value}/task_id={value}/attempt=1.log",
        provenance=Provenance(dag_id=value, run_id=value, task_id=value, file=f"/logs/run_id={value}/1.log"),
        chunks=[],
    )
    clean = sanitize_raw_log(Redactor(), raw)
    assert token not in clean.name + clean.provenance.model_dump_json()
    assert "[REDACTED:" in clean.provenance.run_id  # type: ignore[operator]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_airflow_signals_prints_no_credential(airflow: tuple[int, type[_Airflow]], fmt: str) -> None:
    port, handler = airflow
    password, key = secrets.token_hex(10), secrets.token_hex(4)  # a short key: no entropy to go by
    handler.call_url = f"https://svc:{password}@api.example.com/v1/orders?api_key={key}"
    env = {
        **os.environ,
        "POSTWRIGHT_AIRFLOW__URL": f"http://admin:{password}@127.0.0.1:{port}",
        "POSTWRIGHT_AIRFLOW__TOKEN": "t",
    }
    done = subprocess.run(
        [sys.executable, "-m", "agent", "airflow", "signals", "--dag", "d", "--format", fmt],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    shown = done.stdout + done.stderr
    assert "manual__[REDACTED:" in shown and "api_key=***" in shown
    for secret in (password, key, handler.run_id.split("__", 1)[1]):
        assert secret not in shown
