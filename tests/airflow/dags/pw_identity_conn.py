"""Test DAG: postwright's airflow-connection token source inside a real task (the task SDK path).

The test passes, in conf, postwright's checkout and its venv's site-packages (added as site dirs,
appended, so Airflow's own packages win), the Connection's id, the API and its audience. The task asks the
source for a token, calls the API with it and logs only the status and the client id.
"""

from __future__ import annotations

import site

import pendulum
from airflow.sdk import DAG, get_current_context, task


@task
def call_api() -> None:
    conf = get_current_context()["dag_run"].conf
    for path in conf["paths"]:  # appended, with the .pth files of the venv (an editable install)
        site.addsitedir(path)
    import httpx

    from agent.identity.sources import open_source

    source = open_source("airflow-connection", airflow_conn_id=conf["conn_id"])
    issued = source.token(conf["audience"], ())
    bearer = {"Authorization": f"Bearer {issued.value.get_secret_value()}"}
    status = httpx.get(conf["api"], headers=bearer, timeout=30).status_code
    print(f"pw-status {status} client {getattr(source, 'client_id', None)}")
    if status != 200:
        raise RuntimeError(f"the API answered {status}")


with DAG(
    dag_id="pw_identity_conn",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    call_api()
