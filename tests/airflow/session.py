"""A real Airflow 3 for the whole session (one for every test folder that needs it: two would
collide on the worker log ports): separate venv, own AIRFLOW_HOME, loopback ports."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from agent.sources.airflow import AirflowSettings
from tests.airflow.airflow_fake_api import FakeApi
from tests.airflow.airflow_harness import Airflow, ensure_venv, free_port

BIG_LOG_LINES = 100_000  # ~10 MB of task output


@dataclass
class AirflowEnv:
    """The running Airflow, the fake API its tasks call, the fake token and the runs made."""

    airflow: Airflow
    api: FakeApi
    fake_token: str
    runs: dict[str, list[str]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def settings(self, **overrides: object) -> AirflowSettings:
        """Settings for AirflowSource against this Airflow."""
        values: dict[str, object] = {
            "base_url": self.airflow.url,
            "username": "admin",
            "password": self.airflow.password,
            "retries": 1,
            "backoff": 0.1,
        }
        values.update(overrides)
        return AirflowSettings.model_validate(values)


@pytest.fixture(scope="session")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowEnv]:
    """Install (cached), start Airflow, trigger the test DAGs once, wait for them; stop at the end."""
    t0 = time.monotonic()
    venv = ensure_venv()
    timings = {"venv": time.monotonic() - t0}
    airflow = Airflow(
        venv=venv,
        home=tmp_path_factory.mktemp("airflow-home"),
        port=free_port(),
        password=secrets.token_urlsafe(12),
    )
    # Built at test time: never a secret-shaped literal in the repo.
    fake_token = "pwt_" + secrets.token_hex(20)
    with FakeApi() as api:
        try:
            t1 = time.monotonic()
            airflow.start()
            airflow.wait_healthy()
            airflow.wait_dags(["pw_orders_sync", "pw_mapped_pets", "pw_big_log", "pw_all_good", "pw_flaky"])
            timings["start"] = time.monotonic() - t1
            t2 = time.monotonic()
            conf = {"api": api.url, "token": fake_token}
            runs: dict[str, list[str]] = {
                # Two runs of one DAG (they end at different times): the resume test needs two.
                "pw_orders_sync": [airflow.trigger("pw_orders_sync", conf) for _ in range(2)],
                "pw_mapped_pets": [airflow.trigger("pw_mapped_pets", {"api": api.url})],
                "pw_big_log": [airflow.trigger("pw_big_log", {"lines": BIG_LOG_LINES})],
                "pw_all_good": [airflow.trigger("pw_all_good")],
                "pw_flaky": [airflow.trigger("pw_flaky", {"api": api.url})],
            }
            for dag_id, run_ids in runs.items():
                for run_id in run_ids:
                    airflow.wait_run(dag_id, run_id)
            timings["runs"] = time.monotonic() - t2
            env = AirflowEnv(airflow, api, fake_token, runs, timings)
            yield env
        finally:
            t3 = time.monotonic()
            airflow.stop()
            timings["stop"] = time.monotonic() - t3
            print(f"\nairflow timings (s): {', '.join(f'{k}={v:.1f}' for k, v in timings.items())}")
