"""Test DAG: a Python task gets a 422 from the local API (retried once), a curl task gets a 500."""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
import requests
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def _api(conf: dict) -> str:
    return str(conf.get("api") or os.environ["PW_TEST_API"])


def create_order(**context: object) -> None:
    conf = context["dag_run"].conf or {}  # type: ignore[attr-defined]
    token = conf.get("token", "")
    headers = {"Authorization": f"Bearer {token}"}
    # Debug output like real pipelines print it: this is what the redactor must catch.
    print(f"calling orders API with headers {headers}")
    response = requests.post(f"{_api(conf)}/v1/orders", json={"qty": 1}, headers=headers, timeout=10)
    print(f"response body: {response.text}")
    response.raise_for_status()


with DAG(
    dag_id="pw_orders_sync",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=1)},
):
    PythonOperator(task_id="create_order", python_callable=create_order)
    BashOperator(
        task_id="fetch_pet",
        retries=0,
        bash_command=(
            'curl -sS -H \'Authorization: Bearer {{ dag_run.conf.get("token", "") }}\' '
            "-w '\\nHTTP %{http_code} GET %{url_effective}\\n' "
            "{{ dag_run.conf.get('api', '') }}/v1/pets/42 --fail-with-body"
        ),
    )
