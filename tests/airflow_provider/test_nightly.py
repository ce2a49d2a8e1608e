"""The example DAG ``postwright_nightly`` in the real Airflow 3 of tests/airflow (the provider installed
into its venv): three nights over two APIs, one target broken. The check fails on the broken target
and passes on the good one; each propose opens a PR in the API's local repository; the next night
turns the failed check into a regression test; a night with nothing new opens no PR and makes no
commit; the Connections' secrets are in no task log (read through the REST API), no XCom and no file
of postwright's store or repository."""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.airflow.airflow_harness import Airflow
from tests.airflow.session import AirflowEnv
from tests.airflow_provider.kit import Api, Target, git, make_api
from tests.runner.conftest import sandbox_dir  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.airflow, pytest.mark.sandbox, pytest.mark.slow, pytest.mark.timeout(1500)]

DAG = "postwright_nightly"


class Nightly:
    """Connections and the Variable the DAG needs, made through the REST API; removed after the test."""

    def __init__(self, airflow: Airflow) -> None:
        self.airflow = airflow
        self.connections: list[str] = []

    def connection(self, conn_id: str, conn_type: str, **fields: Any) -> None:
        body = {"connection_id": conn_id, "conn_type": conn_type, **fields}
        answer = self.airflow.api("POST", "/connections", json=body)
        assert answer.status_code == 201, answer.text
        self.connections.append(conn_id)

    def apis(self, apis: list[Api]) -> None:
        value = json.dumps([api.entry() for api in apis])
        answer = self.airflow.api("POST", "/variables", json={"key": "postwright_apis", "value": value})
        assert answer.status_code == 201, answer.text

    def close(self) -> None:
        for conn_id in self.connections:
            self.airflow.api("DELETE", f"/connections/{conn_id}")
        self.airflow.api("DELETE", "/variables/postwright_apis")

    def night(self) -> tuple[str, str, float]:
        """One triggered run to its end: its id, its state, its seconds."""
        t0 = time.monotonic()
        run_id = self.airflow.trigger(DAG)
        return run_id, self.airflow.wait_run(DAG, run_id, timeout=900), time.monotonic() - t0

    def tasks(self, run_id: str) -> dict[tuple[str, int], dict[str, Any]]:
        """(task id, map index) → the task instance."""
        listed = self.airflow.api("GET", f"/dags/{DAG}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
        return {(t["task_id"], t["map_index"]): t for t in listed.json()["task_instances"]}

    def log(self, run_id: str, task: dict[str, Any]) -> str:
        """Every try's log of one task instance, as the REST API serves it."""
        texts = []
        for attempt in range(1, max(1, task["try_number"]) + 1):
            texts.append(
                self.airflow.api(
                    "GET",
                    f"/dags/{DAG}/dagRuns/{run_id}/taskInstances/{task['task_id']}/logs/{attempt}",
                    params={"full_content": True, "map_index": task["map_index"]},
                    headers={"Accept": "application/json"},
                ).text
            )
        return "\n".join(texts)

    def xcoms(self, run_id: str, task: dict[str, Any]) -> dict[str, Any]:
        """Every XCom of one task instance: key → value."""
        base = f"/dags/{DAG}/dagRuns/{run_id}/taskInstances/{task['task_id']}/xcomEntries"
        params = {"map_index": task["map_index"]}
        keys = [e["key"] for e in self.airflow.api("GET", base, params=params).json()["xcom_entries"]]
        return {key: self.airflow.api("GET", f"{base}/{key}", params=params).json()["value"] for key in keys}


@pytest.fixture
def nightly(airflow_env: AirflowEnv) -> Iterator[Nightly]:
    made = Nightly(airflow_env.airflow)
    yield made
    made.close()


def _states(tasks: dict[tuple[str, int], dict[str, Any]]) -> dict[tuple[str, int], str]:
    return {key: task["state"] for key, task in tasks.items()}


def _regressions(api: Api, branch: str) -> list[str]:
    names: list[str] = []
    stack = list(api.collection_on(branch)["item"])
    while stack:
        node = stack.pop()
        stack.extend(node.get("item") or [])
        if "[regression]" in str(node.get("name")):
            names.append(str(node["name"]))
    return names


def _tests(api: Api, branch: str) -> list[tuple[str, str]]:
    """(id, name) of postwright's tests on a branch (pw- ids; setup requests left out)."""
    found: list[tuple[str, str]] = []
    stack = list(api.collection_on(branch)["item"])
    while stack:
        node = stack.pop()
        stack.extend(node.get("item") or [])
        if str(node.get("id", "")).startswith("pw-") and not str(node["id"]).startswith("pw-setup"):
            found.append((str(node["id"]), str(node.get("name"))))
    return found


def _events(log: str) -> str:
    """The text of a log as the REST API serves it (JSON with a list of records)."""
    try:
        return "\n".join(str(r.get("event")) for r in json.loads(log)["content"] if isinstance(r, dict))
    except (ValueError, KeyError, TypeError):
        return log


def _files(*folders: Path) -> Iterator[tuple[Path, bytes]]:
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                yield path, path.read_bytes()


def test_two_nights_check_then_propose_over_two_apis(
    airflow_env: AirflowEnv,
    nightly: Nightly,
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    airflow = airflow_env.airflow
    airflow.wait_dags([DAG])
    errors = airflow.api("GET", "/importErrors").json()["import_errors"]
    assert not [e for e in errors if DAG in e["filename"]], errors
    # Made at test time: the targets' tokens, and Airflow's password (postwright reads the logs with it).
    tokens = {"pet": "tk" + secrets.token_urlsafe(24), "order": "tk" + secrets.token_urlsafe(24)}
    pets, orders = (
        make_api(
            tmp_path / noun,
            noun,
            Target(noun, tokens[noun], broken=noun == "pet"),
            airflow_url=airflow.url,
            sandbox=sandbox_dir,
        )
        for noun in ("pet", "order")
    )
    try:
        nightly.connection(
            "postwright_default",
            "postwright",
            host=airflow.url,
            login="admin",
            password=airflow.password,
            extra=json.dumps({"venv": sys.prefix}),  # postwright's own venv: the test's
        )
        for api in (pets, orders):
            nightly.connection(
                f"{api.name}_target", "postwright_target", host=api.target.url, password=api.target.token
            )
        nightly.apis([pets, orders])

        first, state, first_seconds = nightly.night()
        tasks = nightly.tasks(first)
        logs = {key: nightly.log(first, task) for key, task in tasks.items()}
        assert _states(tasks) == {
            ("apis", -1): "success",
            ("check", 0): "failed",  # pets: the broken target
            ("check", 1): "success",
            ("propose", 0): "success",
            ("propose", 1): "success",
        }, {k: _events(v)[-3000:] for k, v in logs.items()}
        assert state == "success"  # Airflow judges a run by its leaves: the proposes ran; the check shows red
        check_log = logs[("check", 0)]
        assert (
            f'HTTP Request: GET {pets.target.url}/pets/1 \\"HTTP/1.1 500 Internal Server Error\\"'
            in check_log
        )
        assert f"1 of 1 tests failed against {pets.target.url}: get pet 1" in check_log
        summaries = {i: nightly.xcoms(first, tasks[("check", i)])["summary"] for i in (0, 1)}
        assert summaries[0] == {
            "api": "pets",
            "run_id": first,
            "tests": 1,
            "passed": 0,
            "failed": 1,
            "skipped": 0,
            "unfinished": 0,
            "failing": ["get pet 1"],
        }
        assert (summaries[1]["passed"], summaries[1]["failed"], summaries[1]["api"]) == (1, 0, "orders")
        assert (
            f"Bearer {tokens['pet']}" in pets.target.seen
            and f"Bearer {tokens['order']}" in orders.target.seen
        )

        # Each propose opened one PR from the spec's changes; tonight's failed check is not read yet:
        # postwright reads the failed tasks of finished runs, and this run is still going.
        branches = {api.name: api.branches() for api in (pets, orders)}
        assert [len(b) for b in branches.values()] == [1, 1], branches
        assert [t for api in (pets, orders) for b in branches[api.name] for t in _regressions(api, b)] == []
        propose_xcom = nightly.xcoms(first, tasks[("propose", 0)])["return_value"]
        assert propose_xcom["api"] == "pets" and propose_xcom["kept"] >= 1, propose_xcom

        second, state, second_seconds = nightly.night()
        tasks2 = nightly.tasks(second)
        logs2 = {key: nightly.log(second, task) for key, task in tasks2.items()}
        assert _states(tasks2) == _states(tasks), {k: _events(v)[-3000:] for k, v in logs2.items()}
        # The next night reads last night's failed check: a regression test of pets, named after
        # that run; what was published stays as it was (no branch rewritten).
        after = {api.name: api.branches() for api in (pets, orders)}
        assert set(branches["pets"].items()) <= set(after["pets"].items()), after
        assert after["orders"] == branches["orders"]  # pets' failure is no change of orders: no second PR
        regressions = [t for b in after["pets"] for t in _regressions(pets, b)]
        on_branches = {b: _tests(pets, b) for b in after["pets"]}
        assert len(regressions) == 1, (on_branches, _events(logs2[("propose", 0)])[-4000:])
        assert regressions[0].startswith(
            "GET /pets/{petId} [regression] regression: GET /pets/{petId} failed"
        )
        assert f"{DAG}/{first}/check" in regressions[0], regressions
        assert [t for b in after["orders"] for t in _regressions(orders, b)] == []
        assert nightly.xcoms(second, tasks2[("propose", 0)])["return_value"]["failures"] >= 1

        # A third night, the same failure again: no new PR (the pets PR gets the regression test's
        # new provenance, still one test), and orders, where nothing is new, no commit at all.
        third, state, third_seconds = nightly.night()
        tasks3 = nightly.tasks(third)
        logs3 = {key: nightly.log(third, task) for key, task in tasks3.items()}
        assert _states(tasks3) == _states(tasks), {k: _events(v)[-3000:] for k, v in logs3.items()}
        final = {api.name: api.branches() for api in (pets, orders)}
        assert {n: set(b) for n, b in final.items()} == {n: set(b) for n, b in after.items()}
        assert final["orders"] == after["orders"]
        assert "already up to date" in _events(logs3[("propose", 1)])
        assert len([t for b in final["pets"] for t in _regressions(pets, b)]) == 1
        for api in (pets, orders):
            assert len(list((api.state / "pull-requests").glob("*.md"))) == len(after[api.name])

        canaries = [airflow.password, *tokens.values()]
        runs = ((first, tasks), (second, tasks2), (third, tasks3))
        shown = [*logs.values(), *logs2.values(), *logs3.values()]
        shown += [json.dumps(nightly.xcoms(run, t)) for run, ts in runs for t in ts.values()]
        shown += [data.decode(errors="replace") for _, data in _files(pets.state, orders.state)]
        shown += [git(api.repo, "log", "--all", "-p") for api in (pets, orders)]
        for canary in canaries:
            assert all(canary not in text and canary[:12] not in text for text in shown), "a secret leaked"
        timings = {"night_1": first_seconds, "night_2": second_seconds, "night_3": third_seconds}
        airflow_env.timings.update(timings)
    finally:
        pets.target.close()
        orders.target.close()
