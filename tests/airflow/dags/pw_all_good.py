"""Test DAG: succeeds; out of scope for the default states."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task


@task
def ok() -> None:
    print("all good")


with DAG(
    dag_id="pw_all_good", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False
):
    ok()
