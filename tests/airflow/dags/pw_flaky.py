"""Test DAG: the first try gets a 503 from the local API, the retry succeeds ("success with errors")."""

from __future__ import annotations

from datetime import timedelta

import pendulum
import requests
from airflow.sdk import DAG, get_current_context, task


@task(retries=1, retry_delay=timedelta(seconds=1))
def sync_inventory() -> None:
    context = get_current_context()
    conf = context["dag_run"].conf or {}
    path = "/v1/inventory/flaky" if context["ti"].try_number == 1 else "/v1/inventory/ok"
    response = requests.get(f"{conf['api']}{path}", timeout=10)
    print(f"inventory: HTTP {response.status_code} {response.text}")
    response.raise_for_status()


with DAG(
    dag_id="pw_flaky",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    sync_inventory()
