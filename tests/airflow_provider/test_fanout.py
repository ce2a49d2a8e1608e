"""evals/store/fanout.py at a small size: mapped tasks (each twice) on worker processes share the
PostgreSQL store and publish to the GitHub stand-in; one PR per API, nothing lost, every request
and reply within GitHub's contract (the ``github`` fixture checks it)."""

from __future__ import annotations

import pytest

from evals.store import fanout
from tests.github.standin.control import GitHubStandIn
from tests.postgres_kit import PostgresServer

pytestmark = [pytest.mark.slow]


@pytest.mark.parametrize(("apis", "workers", "claim"), [(3, 2, True), (4, 3, False)])
def test_fanout_opens_one_pull_request_per_api_and_loses_nothing(
    apis: int,
    workers: int,
    claim: bool,
    github: GitHubStandIn,
    pg_env: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(fanout.TOKEN_ENV, fanout.prepare(github))
    row = fanout.measure(pg_env.database("fanout"), github, apis, workers, 4, claim)
    assert len(github.pulls(fanout.REPO)) == apis
    assert (row["duplicate_prs"], row["apis_without_pr"], row["runs_not_ok"]) == (0, 0, 0), row
    assert (row["lost_stored"], row["lost_published"]) == (0, 0), row
    assert row["calls_first"] >= row["calls_again"] > 0, row
