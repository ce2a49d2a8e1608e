"""The host-neutral publishing flow (``RemotePublisher``) over an in-memory host."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.ports import ChangeSet
from agent.publish.remote import BranchExists, RemotePublisher, RequestExists
from agent.publish.request_body import HANDS_OFF_MARKER, REPORT_MARKER, read_marker
from tests.publish.fake_host import FakeHost

PATH = "collections/orders.postman_collection.json"
HUMAN = {
    "id": "h-1",
    "name": "made by a person",
    "request": {"url": "{{base}}/x", "method": "GET"},
    "zz": 1,
    "aa": 2,
}


def item(name: str, version: int = 1) -> dict[str, Any]:
    return {
        "id": f"pw-{name}",
        "name": f"GET /{name}",
        "request": {"method": "GET", "url": f"{{{{base}}}}/{name}/{version}"},
    }


def change_set(*names: str, version: int = 1, body: str = "the tests of this run") -> ChangeSet:
    collection = {"info": {"name": "API"}, "item": [item(n, version) for n in names]}
    return ChangeSet(
        key="k" + "".join(names),
        title=f"postwright: {len(names)} tests",
        collection=collection,
        body=body,
        proposals=[],
    )


@pytest.fixture
def host() -> FakeHost:
    h = FakeHost()
    h.push(
        "main",
        {
            PATH: (json.dumps({"info": {"name": "ours"}, "item": [HUMAN]}, indent=4) + "\n").encode(),
            "README": b"x",
        },
    )
    return h


def on_branch(host: FakeHost, branch: str = "postwright/orders") -> dict[str, Any]:
    data = host.read_file(branch, PATH)
    assert data is not None
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def ids_in(collection: dict[str, Any]) -> list[str]:
    return [i["id"] for i in collection["item"]]


def publisher(host: FakeHost, **kw: Any) -> RemotePublisher:
    return RemotePublisher(host, PATH, labels=["api-tests"], **kw)


def test_first_run_opens_one_request_with_marker_labels_and_report(host: FakeHost) -> None:
    result = publisher(host).publish(change_set("a", "b"))
    assert [r.state for r in host.requests] == ["open"] and result.request == 1
    request = host.requests[0]
    assert request.branch == result.branch == "postwright/orders"
    assert host.labels[1] == ("api-tests",)
    assert (
        read_marker(request.body).ids == {"pw-a", "pw-b"}
        and read_marker(request.body).base == host.refs["main"]
    )
    assert ids_in(on_branch(host)) == ["h-1", "pw-a", "pw-b"]
    assert on_branch(host)["item"][0] == HUMAN  # the person's item verbatim
    assert result.proposed == ["pw-a", "pw-b"] and result.created
    assert [c.startswith(REPORT_MARKER) for c in host.comments[1]] == [True]


def test_a_later_run_adds_a_commit_to_the_same_request(host: FakeHost) -> None:
    first = publisher(host).publish(change_set("a"))
    second = publisher(host).publish(change_set("b"))
    assert len(host.requests) == 1 and second.request == first.request
    assert host.commits[second.commit or ""].parent == first.commit  # on our earlier commit
    assert ids_in(on_branch(host)) == ["h-1", "pw-a", "pw-b"]  # the earlier test stays
    assert read_marker(host.requests[0].body).ids == {"pw-a", "pw-b"}
    assert len(host.comments[1]) == 1  # one sticky comment, edited


@pytest.mark.parametrize("again", [("a", "b"), ("b", "a"), ("a",)])
def test_nothing_new_touches_nothing(host: FakeHost, again: tuple[str, ...]) -> None:
    publisher(host).publish(change_set("a", "b"))
    before = list(host.calls)
    result = publisher(host).publish(change_set(*again))
    assert host.calls == before and not result.created


def test_a_nothing_new_run_reads_the_collection_once_per_commit(
    host: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher(host).publish(change_set("a", "b"))
    reads: list[str] = []
    real = host.read_file

    def read_file(ref: str, path: str) -> bytes | None:
        reads.append(ref)
        return real(ref, path)

    monkeypatch.setattr(host, "read_file", read_file)
    publisher(host).publish(change_set("a", "b"))
    assert len(reads) == len(set(reads)) == 2  # the base's and the branch's, each once


def test_a_moved_base_gets_a_rebased_commit(host: FakeHost) -> None:
    publisher(host).publish(change_set("a"))
    base = json.loads(host.read_file("main", PATH) or b"")
    base["item"].append({**HUMAN, "id": "h-2"})
    moved = host.push("main", {PATH: json.dumps(base).encode()}, author="reviewer")
    result = publisher(host).publish(change_set("b"))
    assert host.commits[result.commit or ""].parent == moved
    assert ids_in(on_branch(host)) == ["h-1", "h-2", "pw-a", "pw-b"]
    assert read_marker(host.requests[0].body).base == moved
    assert host.foreign_commits(moved, "postwright/orders") == []


@pytest.mark.parametrize("who", ["human", "another-bot"])
def test_a_commit_by_someone_else_stops_updates_with_one_comment(host: FakeHost, who: str) -> None:
    publisher(host).publish(change_set("a"))
    host.push("postwright/orders", {"notes.txt": b"mine"}, author=who)
    tip = host.refs["postwright/orders"]
    for names in (("b",), ("c", "d")):
        result = publisher(host).publish(change_set(*names))
        assert result.stopped and result.proposed == [] and result.commit is None
    assert host.refs["postwright/orders"] == tip
    hands_off = [c for c in host.comments[1] if HANDS_OFF_MARKER in c]
    assert len(hands_off) == 1 and "delete the branch" in hands_off[0]


def test_a_closed_request_rejects_its_tests_and_a_new_one_holds_only_new_tests(host: FakeHost) -> None:
    publisher(host).publish(change_set("a", "b"))
    host.close(1, merged=False)
    result = publisher(host).publish(change_set("a", "b", "c"))
    assert result.rejected == ["pw-a", "pw-b"] and result.decision == "pull request #1 closed without merging"
    assert [r.state for r in host.requests] == ["closed", "open"]
    assert ids_in(on_branch(host)) == ["h-1", "pw-c"] and result.proposed == ["pw-c"]
    # the branch was rebuilt on the base, not on the closed request's commit
    assert host.commits[result.commit or ""].parent == host.refs["main"]


def test_only_rejected_tests_open_nothing(host: FakeHost) -> None:
    publisher(host).publish(change_set("a"))
    host.close(1, merged=False)
    before = list(host.calls)
    result = publisher(host).publish(change_set("a"))
    assert host.calls == before and result.rejected == ["pw-a"] and result.proposed == []


def test_a_merged_request_publishes_and_only_new_tests_follow(host: FakeHost) -> None:
    publisher(host).publish(change_set("a"))
    host.close(1, merged=True)
    same = publisher(host).publish(change_set("a"))
    assert same.merged == ["pw-a"] and same.request is None and len(host.requests) == 1
    new = publisher(host).publish(change_set("a", "b"))
    assert new.request == 2 and read_marker(host.requests[1].body).ids == {"pw-b"}


def test_a_changed_test_is_proposed_again(host: FakeHost) -> None:
    publisher(host).publish(change_set("a"))
    result = publisher(host).publish(change_set("a", version=2))
    assert result.created and on_branch(host)["item"][1]["request"]["url"].endswith("/a/2")


class Racing(FakeHost):
    """Another run does its whole publish between this run's look and its first write."""

    rival: ChangeSet | None = None
    at: str = "commit"

    def commit(self, branch: str, parent: str, files: Any, message: str, *, create: bool) -> str:
        self._race("commit")
        return super().commit(branch, parent, files, message, create=create)

    def open_request(self, *args: Any, **kw: Any) -> Any:
        self._race("open")
        return super().open_request(*args, **kw)

    def _race(self, where: str) -> None:
        if self.rival is not None and where == self.at:
            rival, self.rival = self.rival, None
            publisher(self).publish(rival)


@pytest.mark.parametrize("at", ["commit", "open"])
@pytest.mark.parametrize("rival", [("a",), ("a", "b"), ("c",)])
def test_two_runs_at_once_make_one_request(at: str, rival: tuple[str, ...]) -> None:
    host = Racing()
    host.push("main", {PATH: json.dumps({"item": [HUMAN]}).encode()})
    host.rival, host.at = change_set(*rival), at
    publisher(host).publish(change_set("a"))
    assert [r.state for r in host.requests] == ["open"]
    held = set(ids_in(on_branch(host)))
    assert {"pw-a", *(f"pw-{n}" for n in rival)} <= held  # neither run's tests are lost
    assert read_marker(host.requests[0].body).ids == held - {"h-1"}


def test_the_exceptions_are_publish_failures() -> None:
    from agent.errors import PublishFailed

    assert issubclass(BranchExists, PublishFailed) and issubclass(RequestExists, PublishFailed)


@pytest.mark.parametrize("limit", [1_500, 4_000, 65_536])
def test_a_long_description_is_cut_to_the_cap_and_the_rest_goes_to_the_report(
    host: FakeHost, limit: int
) -> None:
    body = "\n".join(f"- line {n} " + "x" * 60 for n in range(2_000))
    publisher(host, max_body=limit).publish(change_set("a", "b", body=body))
    request = host.requests[0]
    assert len(request.body) <= limit and read_marker(request.body).ids == {"pw-a", "pw-b"}
    assert "report comment" in request.body
    (comment,) = host.comments[1]
    assert len(comment) <= limit and "line 1 " not in comment.split("The rest", 1)[0]
    assert "more characters not shown" in comment


def test_a_marker_past_the_cap_is_a_one_line_failure(host: FakeHost) -> None:
    from agent.errors import PublishFailed

    many = [f"t{n:05d}" for n in range(400)]
    with pytest.raises(
        PublishFailed, match="400 proposed test ids alone passes the host's 1000-character cap"
    ):
        publisher(host, max_body=1_000).publish(change_set(*many))
    assert host.calls == [] and "postwright/orders" not in host.refs
