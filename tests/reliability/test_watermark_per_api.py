"""Two APIs sharing one state store each read the night's logs: a watermark is per API.

The failed calls of a log are turned into tests only for the API whose spec names them, so
the first API's run must not move the second API's watermark: each API would otherwise lose
every failed call logged before its turn came (a real `postwright run`, a stub Airflow REST API).
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
from pathlib import Path

import pytest

from agent import demo
from tests.reliability.kit import StubAirflow, postwright, without_log_files


@pytest.mark.sandbox
def test_a_second_api_on_the_same_store_reads_the_logs_the_first_consumed(tmp_path: Path) -> None:
    first = demo.prepare(tmp_path / "first")
    without_log_files(first)
    second = tmp_path / "second"  # another project (same API shape, another spec file): another API
    shutil.copytree(first.root, second, ignore=shutil.ignore_patterns(".postwright"))
    state = tmp_path / "state"  # one store for both
    with StubAirflow(first, token="pwt_" + secrets.token_hex(16)) as stub:
        env = stub.env()
        one = postwright(first.root, "run", env=env, state=state)
        assert one.returncode == 0, one.stderr
        assert "failures 3" in one.stdout
        reads = stub.hits

        two = postwright(second, "run", env=env, state=state)
        assert two.returncode == 0, two.stderr
        assert "failures 3" in two.stdout  # the logs the first API's run consumed, read again for this one
        assert stub.hits > reads

        again = postwright(first.root, "run", env=env, state=state)  # the first API's watermark still holds
        assert again.returncode == 0, again.stderr
        assert "failures 0" in again.stdout, again.stdout
    with sqlite3.connect(state / "state.db") as db:
        keys = sorted(k for (k,) in db.execute("SELECT key FROM watermarks"))
    assert len(keys) == 2 and all(k.startswith("airflow:") for k in keys), keys


def test_a_store_from_before_keeps_its_one_watermark_until_the_api_has_its_own(tmp_path: Path) -> None:
    from agent.pipeline import _PendingMarks
    from agent.store import open_store

    with open_store(tmp_path / "state") as store:
        store.set_watermark("airflow:http://af:dag", "old")  # written before watermarks were per API
        marks = _PendingMarks(store, "/project/openapi.yaml")
        assert marks.get_watermark("airflow:http://af:dag") == "old"
        marks.set_watermark("airflow:http://af:dag", "new")
        assert marks.marks == {"airflow:http://af:dag|/project/openapi.yaml": "new"}
        assert marks.get_watermark("airflow:http://af:dag") == "new"
        assert _PendingMarks(store, None).get_watermark("airflow:http://af:dag") == "old"
