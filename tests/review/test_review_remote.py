"""Review with a code host as the publisher: only what the pull request proposes is marked
published (a branch a person took over publishes none), and `d` reads the base's collection through
the host's API, not from a local path named like the repository."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agent.models import PublishResult
from agent.review import diffview
from agent.review.publishing import publish
from agent.store import SQLiteStore
from tests.publish.fake_host import FakeHost
from tests.store.store_factories import make_proposal


class _Publisher:
    def __init__(self, result: PublishResult) -> None:
        self.result = result

    def publish(self, change_set: Any) -> PublishResult:
        return self.result


def _project(result: PublishResult) -> SimpleNamespace:
    job = SimpleNamespace(collection=lambda proposals, spec: {"item": [p.item for p in proposals]})
    return SimpleNamespace(publisher=_Publisher(result), job=job, spec=None)


@pytest.mark.parametrize(
    ("proposed", "stopped", "published"),
    [
        (None, None, {0, 1, 2}),  # the local publisher: everything it was given is out
        (["a", "b"], None, {0, 1}),  # the request holds two of the three (one was rejected there)
        ([], "a person committed to the branch", set()),  # handed off: none goes out
    ],
)
def test_only_what_the_request_proposes_is_marked_published(
    tmp_path: Path, proposed: list[str] | None, stopped: str | None, published: set[int]
) -> None:
    proposals = [make_proposal(n) for n in range(3)]
    ids = {"a": proposals[0].id, "b": proposals[1].id}
    result = PublishResult(
        branch="postwright/api",
        commit=None if stopped else "c0ffee",
        proposed=None if proposed is None else [ids[k] for k in proposed],
        stopped=stopped,
    )
    with SQLiteStore(tmp_path / "state.db") as store:
        run = store.start_run("run", {})
        store.store_results(run, proposals)
        store.finish_run(run, "ok", {})
        publish(store, _project(result), [p.id for p in proposals], "alice")  # type: ignore[arg-type]
        statuses = {p.id: p.status for p in store.proposals()}
    assert {n for n, p in enumerate(proposals) if statuses[p.id] == "published"} == published
    assert all(statuses[p.id] == "pending" for n, p in enumerate(proposals) if n not in published)


def test_the_diff_reads_the_base_collection_through_the_host() -> None:
    host = FakeHost()
    item = {"id": "pw-1", "name": "old name", "request": {"method": "GET", "url": "{{baseUrl}}/pets"}}
    host.push("main", {"collections/api.json": json.dumps({"item": [item]}).encode()})
    where, found = diffview.hosted_item(host, "main", "collections/api.json", "pw-1")
    assert (where, found) == ("collections/api.json on main", item)
    assert diffview.hosted_item(host, "main", "collections/api.json", "pw-2")[1] is None
    assert diffview.hosted_item(host, "main", "missing.json", "pw-1") == ("missing.json on main", None)
