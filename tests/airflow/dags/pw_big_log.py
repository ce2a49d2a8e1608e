"""Test DAG: prints many lines (size from conf), a line of invalid UTF-8, then fails."""

from __future__ import annotations

import sys

import pendulum
from airflow.sdk import DAG, get_current_context, task


@task
def chatter() -> None:
    conf = get_current_context()["dag_run"].conf or {}
    lines = int(conf.get("lines", 1000))
    for i in range(lines):
        print(f"row {i:07d} " + "x" * 90)
    sys.stdout.flush()
    sys.stdout.buffer.write(b"bad bytes: \xff\xfe\xc3(\n")
    sys.stdout.flush()
    raise RuntimeError(f"gave up after {lines} rows")


with DAG(
    dag_id="pw_big_log",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    chatter()
