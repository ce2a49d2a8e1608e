"""The example DAG ``postwright_nightly`` in the real Airflow 3 of tests/airflow (the provider installed
into its venv), publishing to the GitHub stand-in: three nights over two APIs, one target broken.
Night 1: the check fails on the broken target and passes on the good one; each propose opens one
pull request (one per collection file). Night 2 (the target fixed): last night's failed check
becomes a regression test added to the same pull request as a new commit with an updated body, no
second PR. Night 3, nothing new: nothing written on GitHub. Both APIs' mapped tasks share one
PostgreSQL store (Debian's, on 127.0.0.1; the Connection's ``state_url`` with its password inline):
every test on a pull request is a stored proposal, every run finished, no SQLite file is made.
The postwright Connection's GitHub token and database password, Airflow's password and the targets'
tokens are in no task log (read through the REST API), no XCom, no file, no row of the store and no
request the stand-in logged outside Authorization."""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.publish.request_body import read_marker
from tests.airflow.airflow_harness import Airflow
from tests.airflow.session import AirflowEnv
from tests.airflow_provider.kit import Api, Target, git, make_api
from tests.github.standin.control import GitHubStandIn
from tests.postgres_kit import PostgresServer
from tests.runner.conftest import sandbox_dir  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.airflow, pytest.mark.sandbox, pytest.mark.slow, pytest.mark.timeout(1500)]

DAG = "postwright_nightly"
REPO = "acme/api-tests"  # one repository, one collection file per API: one pull request per API


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


def _items(github: GitHubStandIn, api: Api) -> list[dict[str, Any]]:
    """Every request of the API's collection on its pull request's branch."""
    data = json.loads(github.file(REPO, api.branch, api.collection) or b"{}")
    found: list[dict[str, Any]] = []
    stack = list(data.get("item", []))
    while stack:
        node = stack.pop()
        stack.extend(node.get("item") or [])
        found.append(node)
    return found


def _regressions(github: GitHubStandIn, api: Api) -> list[str]:
    return [str(n["name"]) for n in _items(github, api) if "[regression]" in str(n.get("name"))]


def _tests(github: GitHubStandIn, api: Api) -> set[str]:
    """Ids of postwright's tests on the API's branch (setup requests left out)."""
    ids = {str(n.get("id", "")) for n in _items(github, api)}
    return {i for i in ids if i.startswith("pw-") and not i.startswith("pw-setup")}


def _prs(github: GitHubStandIn) -> dict[str, tuple[int, str, int, str]]:
    """Open pull requests by branch: number, head, commits on it, body."""
    repo = github.repo(REPO)
    found: dict[str, tuple[int, str, int, str]] = {}
    for pull in github.pulls(REPO):
        head, base = repo.branch(pull.head_ref), repo.branch("main")
        if pull.state == "open" and head is not None and base is not None:
            found[pull.head_ref] = (pull.number, head, len(repo.store.only_in(head, base)), pull.body or "")
    return found


def _writes(github: GitHubStandIn) -> list[str]:
    return [f"{r.method} {r.path}" for r in github.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")]


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


def test_three_nights_check_then_propose_one_pull_request_per_api(
    airflow_env: AirflowEnv,
    nightly: Nightly,
    github: GitHubStandIn,
    sandbox_dir: Path,  # noqa: F811
    postgres: PostgresServer,
    tmp_path: Path,
) -> None:
    airflow = airflow_env.airflow
    airflow.wait_dags([DAG])
    errors = airflow.api("GET", "/importErrors").json()["import_errors"]
    assert not [e for e in errors if DAG in e["filename"]], errors
    # Made at test time: the targets' tokens, Airflow's password (postwright reads the logs with it)
    # and the GitHub token (the postwright Connection's publish_token).
    tokens = {"pet": "tk" + secrets.token_urlsafe(24), "order": "tk" + secrets.token_urlsafe(24)}
    pets, orders = (
        make_api(
            tmp_path / noun,
            noun,
            Target(noun, tokens[noun], broken=noun == "pet"),
            airflow_url=airflow.url,
            sandbox=sandbox_dir,
            github=(github.url, REPO),
        )
        for noun in ("pet", "order")
    )
    github.create_repo(
        REPO, files={api.collection: api.repo.joinpath(api.collection).read_bytes() for api in (pets, orders)}
    )
    github_token = github.token_for("pw-nightly")
    database = postgres.database("nightly").rsplit("/", 1)[1]
    state_url = postgres.url(database, password=postgres.password)  # a secret: masked, child env only
    try:
        nightly.connection(
            "postwright_default",
            "postwright",
            host=airflow.url,
            login="admin",
            password=airflow.password,
            # postwright's own venv: the test's
            extra=json.dumps({"venv": sys.prefix, "publish_token": github_token, "state_url": state_url}),
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

        # Each propose opened one pull request, one commit, from the spec's changes; tonight's failed
        # check is not read yet: postwright reads the failed tasks of finished runs.
        prs = _prs(github)
        table = {"night 1": _summary(prs, github, (pets, orders))}
        assert {b: c for b, (_, _, c, _) in prs.items()} == {pets.branch: 1, orders.branch: 1}, prs
        assert [p.labels for p in github.pulls(REPO)] == [["api-tests"], ["api-tests"]]
        assert _regressions(github, pets) == [] and _regressions(github, orders) == []
        for api in (pets, orders):
            assert read_marker(prs[api.branch][3]).ids == _tests(github, api)
        assert git(pets.repo, "for-each-ref", "refs/heads/postwright") == ""  # nothing local: no clone
        propose_xcom = nightly.xcoms(first, tasks[("propose", 0)])["return_value"]
        assert propose_xcom["api"] == "pets" and propose_xcom["kept"] >= 1, propose_xcom

        pets.target.broken = False  # the team fixes the pets database during the day
        second, state, second_seconds = nightly.night()
        tasks2 = nightly.tasks(second)
        logs2 = {key: nightly.log(second, task) for key, task in tasks2.items()}
        assert set(_states(tasks2).values()) == {"success"}, {k: _events(v)[-3000:] for k, v in logs2.items()}
        # The next night reads last night's failed check: a regression test of pets, named after that
        # run, added to the same pull request (a second commit, the body's marker names it); orders'
        # pull request stays as it was (pets' failure is no change of orders).
        after = _prs(github)
        table["night 2"] = _summary(after, github, (pets, orders))
        assert set(after) == set(prs) and len(github.pulls(REPO)) == 2, after
        number, head, commits, body = after[pets.branch]
        assert (number, commits) == (prs[pets.branch][0], 2) and head != prs[pets.branch][1]
        assert body != prs[pets.branch][3] and read_marker(body).ids == _tests(github, pets)
        assert read_marker(prs[pets.branch][3]).ids < read_marker(body).ids
        regressions = _regressions(github, pets)
        assert len(regressions) == 1, (_tests(github, pets), _events(logs2[("propose", 0)])[-4000:])
        assert regressions[0].startswith(
            "GET /pets/{petId} [regression] regression: GET /pets/{petId} failed"
        )
        assert f"{DAG}/{first}/check" in regressions[0], regressions
        assert after[orders.branch] == prs[orders.branch] and _regressions(github, orders) == []
        assert nightly.xcoms(second, tasks2[("propose", 0)])["return_value"]["failures"] >= 1

        # A third night with nothing new (both checks passed last night): nothing written on GitHub.
        written = _writes(github)
        third, state, third_seconds = nightly.night()
        tasks3 = nightly.tasks(third)
        logs3 = {key: nightly.log(third, task) for key, task in tasks3.items()}
        assert set(_states(tasks3).values()) == {"success"}, {k: _events(v)[-3000:] for k, v in logs3.items()}
        assert _writes(github) == written and _prs(github) == after
        table["night 3"] = _summary(_prs(github), github, (pets, orders))
        print(f"\nnights (open PRs, commits, tests) per API: {table}")  # pytest -s shows it

        # One PostgreSQL store for both APIs' tasks: nothing lost (every test on a pull request is a
        # stored proposal), every propose run finished, and no SQLite store beside it.
        stored = set(postgres.sql("SELECT id FROM postwright.proposals", database).split())
        assert _tests(github, pets) | _tests(github, orders) <= stored, stored
        statuses = postgres.sql("SELECT kind || ':' || status FROM postwright.runs", database).split()
        assert statuses.count("run:ok") == 6, statuses  # 3 nights x 2 APIs; checks may add their own
        assert not [s for s in statuses if s.endswith((":running", ":interrupted"))], statuses
        # the two APIs' proposes ran at once (LocalExecutor, parallelism 4) in at least one night
        query = "SELECT started || ' ' || finished FROM postwright.runs WHERE kind = 'run'"
        spans = postgres.sql(query, database)
        times = sorted(tuple(line.split(" ")) for line in spans.splitlines())
        assert any(later[0] < earlier[1] for earlier, later in zip(times, times[1:], strict=False)), times
        assert not [p for p, _ in _files(tmp_path) if p.suffix == ".db"]
        tables = postgres.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'postwright'", database
        ).split()
        rows = [postgres.sql(f"SELECT t::text FROM postwright.{t} t", database) for t in tables]

        canaries = [airflow.password, github_token, postgres.password, *tokens.values()]
        runs = ((first, tasks), (second, tasks2), (third, tasks3))
        shown = [*logs.values(), *logs2.values(), *logs3.values()]
        shown += [json.dumps(nightly.xcoms(run, t)) for run, ts in runs for t in ts.values()]
        shown += [data.decode(errors="replace") for _, data in _files(tmp_path)]
        shown += [git(api.repo, "log", "--all", "-p") for api in (pets, orders)]
        shown += rows
        for canary in canaries:
            assert all(canary not in text and canary[:12] not in text for text in shown), "a secret leaked"
            assert github.requests_containing(canary) == [], "a secret reached GitHub outside Authorization"
        timings = {"night_1": first_seconds, "night_2": second_seconds, "night_3": third_seconds}
        airflow_env.timings.update(timings)
    finally:
        pets.target.close()
        orders.target.close()


def _summary(
    prs: dict[str, tuple[int, str, int, str]], github: GitHubStandIn, apis: tuple[Api, ...]
) -> dict[str, tuple[int, int, int]]:
    """Per API: open pull requests, commits on its branch, postwright's tests in it."""
    return {
        api.name: (int(api.branch in prs), prs.get(api.branch, (0, "", 0, ""))[2], len(_tests(github, api)))
        for api in apis
    }
