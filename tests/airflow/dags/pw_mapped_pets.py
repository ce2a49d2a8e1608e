"""Test DAG: a mapped task over pet ids; the API answers 500 for one of them."""

from __future__ import annotations

import pendulum
import requests
from airflow.sdk import DAG, get_current_context, task


@task
def fetch(pet_id: int) -> None:
    conf = get_current_context()["dag_run"].conf or {}
    response = requests.get(f"{conf['api']}/v1/pets/{pet_id}", timeout=10)
    print(f"pet {pet_id}: HTTP {response.status_code}")
    response.raise_for_status()


with DAG(
    dag_id="pw_mapped_pets",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    fetch.expand(pet_id=[1, 500, 3])
