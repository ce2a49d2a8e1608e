"""Example DAG ``postwright_nightly``: for each API, check the merged collection against its target,
then propose (open or update the PR). Copy it and adapt.

The APIs come from the Variable ``postwright_apis`` (a JSON list), else from the JSON file named by
the environment variable ``POSTWRIGHT_APIS_FILE``; both are read when the DAG runs, not when it is
parsed. Each entry names no secret:

    {"name": "pets", "config": ".../pets/postwright.toml", "target_conn_id": "pets_target",
     "repo": ".../pets-tests", "collection": "collections/api.postman_collection.json", "ref": "main"}

One mapped task per API and job (``.expand_kwargs``), so a large estate fans out over the
executor's workers. The propose job runs when the checks are done, failed or not (``all_done``).
postwright reads the failed tasks of finished runs (``[airflow] dag_ids`` in each config includes
this DAG), so the next night's propose turns each call a check logged as failed into a regression
test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, Variable, task

from postwright_provider.operators.postwright import CollectionRunOperator, PostwrightRunOperator

VARIABLE = "postwright_apis"
FILE_ENV = "POSTWRIGHT_APIS_FILE"


def _check(api: dict[str, Any]) -> dict[str, Any]:
    return {
        "api": api["name"],
        "config": api["config"],
        "target_conn_id": api["target_conn_id"],
        "collection": api.get("collection", "collections/api.postman_collection.json"),
        "repo": api.get("repo"),
        "ref": api.get("ref", "main"),
    }


def _propose(api: dict[str, Any]) -> dict[str, Any]:
    return {"api": api["name"], "config": api["config"], "args": api.get("run_args", [])}


with DAG(
    dag_id="postwright_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["postwright"],
) as dag:

    @task
    def apis() -> list[dict[str, Any]]:
        """The API list: the Variable, else the file; one line when neither is there."""
        listed = Variable.get(VARIABLE, default=None, deserialize_json=True)
        if listed is None and os.environ.get(FILE_ENV):
            listed = json.loads(Path(os.environ[FILE_ENV]).read_text(encoding="utf-8"))
        if not isinstance(listed, list) or not listed:
            raise ValueError(f"set the Variable {VARIABLE!r} or {FILE_ENV} to a JSON list of APIs")
        return listed

    listed = apis()
    checks = CollectionRunOperator.partial(
        task_id="check", map_index_template="{{ task.api }}", retries=0
    ).expand_kwargs(listed.map(_check))
    proposals = PostwrightRunOperator.partial(
        task_id="propose", map_index_template="{{ task.api }}", trigger_rule="all_done", retries=0
    ).expand_kwargs(listed.map(_propose))
    checks >> proposals
