"""`postwright run` against a real Airflow 3, SIGKILLed in verify: the next run still finds the failures."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
import yaml

from tests.airflow.session import AirflowEnv
from tests.reliability.kit import Running, postwright, regressions

pytestmark = [pytest.mark.airflow, pytest.mark.sandbox, pytest.mark.timeout(900)]

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Orders", "version": "1"},
    "paths": {
        "/v1/orders": {
            "post": {
                "operationId": "createOrder",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["sku"],
                                "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
                            }
                        }
                    },
                },
                "responses": {"201": {"description": "created"}, "422": {"description": "invalid"}},
            }
        },
        "/v1/pets/{petId}": {
            "get": {
                "operationId": "getPet",
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"200": {"description": "a pet"}, "404": {"description": "none"}},
            }
        },
    },
}


def test_run_killed_in_verify_leaves_the_failures_for_the_next(
    airflow_env: AirflowEnv, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "orders.yaml").write_text(yaml.safe_dump(SPEC))
    (ws / "postwright.toml").write_text('spec = "orders.yaml"\nbase_url = "http://127.0.0.1:9"\n')
    settings = airflow_env.settings()
    env = {
        "POSTWRIGHT_AIRFLOW__URL": settings.base_url,
        "POSTWRIGHT_AIRFLOW__USERNAME": settings.username or "",
        "POSTWRIGHT_AIRFLOW__PASSWORD": airflow_env.airflow.password,
        "POSTWRIGHT_AIRFLOW__DAG_IDS": json.dumps(["pw_orders_sync"]),
    }
    with Running(ws, "run", "--no-publish", env=env) as first:
        first.wait_for(r"✓ check\b")
        first.kill(signal.SIGKILL)
    assert regressions(ws) == 0

    second = postwright(ws, "run", "--no-publish", env=env)
    assert second.returncode == 0, second.stderr
    assert "was interrupted during" in second.stderr
    assert "failures 0" not in second.stdout
    assert regressions(ws) > 0
    third = postwright(ws, "run", "--no-publish", "--no-verify", env=env)
    assert third.returncode == 0 and "failures 0" in third.stdout
