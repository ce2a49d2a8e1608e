"""GitLab through the host-neutral flow: RemotePublisher over GitLabHost against the stand-in."""

from __future__ import annotations

import json
import logging
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from agent.errors import PublishFailed
from agent.models import PublishResult
from agent.ports import ChangeSet
from agent.publish.gitlab import gitlab_publisher
from agent.publish.remote import RemotePublisher
from agent.publish.request_body import HANDS_OFF_MARKER, REPORT_MARKER, read_marker
from tests.gitlab import people
from tests.gitlab.server import StandIn

PATH = "collections/orders.postman_collection.json"
BRANCH = "postwright/orders"
HUMAN = {"id": "h-1", "name": "made by a person", "request": {"url": "{{base}}/x", "method": "GET"}}
WRITES = ("POST", "PUT", "DELETE")


@pytest.fixture
def setup(gitlab: StandIn, monkeypatch: pytest.MonkeyPatch) -> people.Setup:
    collection = json.dumps({"info": {"name": "ours"}, "item": [HUMAN]}, indent=4) + "\n"
    s = people.project(gitlab, files={PATH: collection.encode(), "README.md": b"x"})
    monkeypatch.setenv("GITLAB_TOKEN", s.bot_token)
    return s


def change_set(*names: str, version: int = 1) -> ChangeSet:
    items = [
        {
            "id": f"pw-{n}",
            "name": f"GET /{n}",
            "request": {"method": "GET", "url": f"{{{{base}}}}/{n}/{version}"},
        }
        for n in names
    ]
    return ChangeSet(
        key="k" + "".join(names),
        title=f"postwright: {len(names)} tests",
        collection={"info": {"name": "API"}, "item": items},
        body="the tests of this run",
        proposals=[],
    )


def publisher(gitlab: StandIn, s: people.Setup, **kw: Any) -> RemotePublisher:
    section = SimpleNamespace(
        api_url=gitlab.api_url,
        repo=s.project.path_with_namespace,
        token_env=None,
        max_wait=30.0,
        collection=PATH,
        base_branch="main",
        labels=["api-tests"],
        draft=False,
    )
    for name, value in kw.items():
        setattr(section, name, value)
    return gitlab_publisher(section)


def on_branch(s: people.Setup) -> list[str]:
    commit = s.project.commits[s.project.branches[BRANCH]]
    return [i["id"] for i in json.loads(commit.tree[PATH])["item"]]


def writes(gitlab: StandIn) -> list[str]:
    return [f"{r.method} {r.route}" for r in gitlab.log if r.method in WRITES]


def test_first_run_opens_one_mr_with_label_marker_and_report(gitlab: StandIn, setup: people.Setup) -> None:
    result = publisher(gitlab, setup).publish(change_set("a", "b"))
    (mr,) = setup.project.mrs.values()
    assert (result.request, result.url, result.branch) == (
        mr.iid,
        f"{gitlab.url}/{setup.project.path_with_namespace}/-/merge_requests/1",
        BRANCH,
    )
    assert (mr.state, mr.source_branch, mr.target_branch, mr.labels) == (
        "opened",
        BRANCH,
        "main",
        ["api-tests"],
    )
    assert read_marker(mr.description).ids == {"pw-a", "pw-b"}
    assert on_branch(setup) == ["h-1", "pw-a", "pw-b"]  # the person's item kept, first
    (note,) = mr.notes
    assert note.body.startswith(REPORT_MARKER) and note.author.id == setup.bot.id
    commit = setup.project.commits[setup.project.branches[BRANCH]]
    assert commit.author[1] == commit.committer[1] == setup.bot.email
    assert not any("/repository/branches" in w for w in writes(gitlab))  # the commits API made the branch


@pytest.mark.parametrize("draft", [False, True])
def test_a_later_run_adds_a_commit_to_the_same_mr(gitlab: StandIn, setup: people.Setup, draft: bool) -> None:
    publisher(gitlab, setup, draft=draft).publish(change_set("a"))
    first = setup.project.branches[BRANCH]
    result = publisher(gitlab, setup, draft=draft).publish(change_set("a", "b"))
    (mr,) = setup.project.mrs.values()
    assert result.request == mr.iid and setup.project.commits[result.commit or ""].parent_ids == [first]
    assert on_branch(setup) == ["h-1", "pw-a", "pw-b"] and read_marker(mr.description).ids == {"pw-a", "pw-b"}
    assert mr.title.startswith("Draft: ") is draft
    assert len(mr.notes) == 1 and "2 tests proposed" in mr.notes[0].body


@pytest.mark.parametrize("again", [("a", "b"), ("b", "a")])
def test_nothing_new_touches_nothing(gitlab: StandIn, setup: people.Setup, again: tuple[str, ...]) -> None:
    publisher(gitlab, setup).publish(change_set("a", "b"))
    before = len(writes(gitlab))
    result = publisher(gitlab, setup).publish(change_set(*again))
    assert writes(gitlab)[before:] == [] and result.created is False


def test_a_moved_base_gets_a_rebased_commit(gitlab: StandIn, setup: people.Setup) -> None:
    publisher(gitlab, setup).publish(change_set("a"))
    moved = people.push(gitlab, setup.project, "main", "README.md", b"moved", setup.human)
    result = publisher(gitlab, setup).publish(change_set("a", "b"))
    assert setup.project.commits[result.commit or ""].parent_ids == [moved]
    assert len(setup.project.mrs) == 1 and read_marker(setup.project.mrs[1].description).base == moved


@pytest.mark.parametrize("path", [PATH, "notes.md"])
def test_a_persons_commit_stops_updates_with_one_note(
    gitlab: StandIn, setup: people.Setup, path: str
) -> None:
    publisher(gitlab, setup).publish(change_set("a"))
    theirs = people.push(gitlab, setup.project, BRANCH, path, b"mine\n", setup.human)
    for n in range(2):
        result = publisher(gitlab, setup).publish(change_set("a", "b", version=n + 2))
        assert result.stopped and result.commit is None and result.proposed == []
    assert setup.project.branches[BRANCH] == theirs
    hands_off = [n for n in setup.project.mrs[1].notes if HANDS_OFF_MARKER in n.body]
    assert len(hands_off) == 1 and theirs[:7] in hands_off[0].body
    assert "closes the" not in hands_off[0].body  # GitLab keeps the MR open when its branch goes


def test_a_closed_mr_reports_its_tests_rejected_and_never_reproposes_them(
    gitlab: StandIn, setup: people.Setup
) -> None:
    publisher(gitlab, setup).publish(change_set("a", "b"))
    people.close(gitlab, setup.project, 1)
    result = publisher(gitlab, setup).publish(change_set("a", "b", "c"))
    assert (
        result.rejected == ["pw-a", "pw-b"]
        and result.decision
        and result.decision == "merge request !1 closed without merging"
    )
    assert [m.state for m in setup.project.mrs.values()] == ["closed", "opened"]
    assert on_branch(setup) == ["h-1", "pw-c"]


def test_a_merged_mr_reports_its_tests_merged(gitlab: StandIn, setup: people.Setup) -> None:
    publisher(gitlab, setup).publish(change_set("a"))
    people.merge(gitlab, setup.project, 1, setup.human)
    before = len(writes(gitlab))
    result = publisher(gitlab, setup).publish(change_set("a"))
    assert result.merged == ["pw-a"] and result.request is None and writes(gitlab)[before:] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/repository/commits$"),
        (r"PUT", r"/merge_requests/\d+$"),
        ("GET", "/repository/compare$"),
        ("PUT", "/notes/"),
    ],
)
def test_429_with_retry_after_then_the_run_goes_on(
    gitlab: StandIn, setup: people.Setup, method: str, path: str
) -> None:
    publisher(gitlab, setup).publish(change_set("a"))
    gitlab.fail(method, path, 429, headers={"Retry-After": "1"}, body=b"Retry later\n")
    started = time.monotonic()
    result = publisher(gitlab, setup).publish(change_set("a", "b"))
    assert result.request == 1 and on_branch(setup) == ["h-1", "pw-a", "pw-b"]
    statuses = [r.status for r in gitlab.requests(method, path)]
    assert statuses[-2] == 429 and 200 <= statuses[-1] < 300 and time.monotonic() - started >= 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "^/user$"),
        ("POST", "/repository/commits$"),
        ("POST", "/merge_requests$"),
        ("GET", "/merge_requests$"),
    ],
)
def test_502_then_success(gitlab: StandIn, setup: people.Setup, method: str, path: str) -> None:
    gitlab.fail(method, path, 502, times=2, body=b"<html>502 Bad Gateway</html>")
    result = publisher(gitlab, setup).publish(change_set("a"))
    assert result.request == 1 and [r.status for r in gitlab.requests(method, path)][:2] == [502, 502]


def test_a_host_down_is_one_line_and_leaves_no_mr(gitlab: StandIn, setup: people.Setup) -> None:
    gitlab.fail("POST", "/repository/commits$", 503, times=50, body={"message": "503 Service Unavailable"})
    with pytest.raises(PublishFailed) as caught:
        publisher(gitlab, setup).publish(change_set("a"))
    assert "503" in caught.value.message and "\n" not in caught.value.message
    assert not setup.project.mrs and BRANCH not in setup.project.branches
    gitlab.clear()
    assert publisher(gitlab, setup).publish(change_set("a")).request == 1  # the next run publishes


@pytest.mark.parametrize("rival", [("a",), ("a", "b")])
def test_two_runs_at_once_make_one_mr(gitlab: StandIn, setup: people.Setup, rival: tuple[str, ...]) -> None:
    results: list[PublishResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(names: tuple[str, ...]) -> None:
        pub = publisher(gitlab, setup)
        start.wait()
        try:
            results.append(pub.publish(change_set(*names)))
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(names,)) for names in (("a",), rival)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(results) == 2
    assert len(setup.project.mrs) == 1 and {r.request for r in results} == {1}
    assert [b for b in setup.project.branches if b.startswith("postwright/")] == [BRANCH]


def test_the_token_is_only_ever_in_the_auth_header(
    gitlab: StandIn, setup: people.Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # python-gitlab's, requests' and urllib3's debug lines too
    gitlab.fail("POST", "/merge_requests$", 502)
    pub = publisher(gitlab, setup)
    pub.publish(change_set("a"))
    people.push(gitlab, setup.project, BRANCH, "x", b"y", setup.human)
    pub.publish(change_set("a", "b"))
    for r in gitlab.log:
        assert setup.bot_token not in r.path + r.body.decode(errors="replace")
        assert {k for k, v in r.headers.items() if setup.bot_token in v} == {"private-token"}
    stored = json.dumps(
        [[c.message, {k: v.decode() for k, v in c.tree.items()}] for c in setup.project.commits.values()]
    )
    mrs = json.dumps(
        [[m.title, m.description, [n.body for n in m.notes]] for m in setup.project.mrs.values()]
    )
    assert setup.bot_token not in stored + mrs
    assert caplog.records and setup.bot_token not in caplog.text


@pytest.mark.parametrize("base_moved", [False, True])
def test_a_push_during_the_publish_is_never_overwritten(
    gitlab: StandIn, setup: people.Setup, base_moved: bool
) -> None:
    publisher(gitlab, setup).publish(change_set("a"))
    if base_moved:
        people.push(gitlab, setup.project, "main", "README.md", b"moved", setup.human)
    theirs: list[str] = []
    compared: list[str] = []

    def person(method: str, route: str) -> None:
        """Pushes once the flow has checked the branch for people, before its commit lands."""
        compared.extend(["yes"] if route.endswith("/repository/compare") else [])
        when = (
            route.endswith(f"/repository/branches/{BRANCH}")
            and bool(compared)  # before the rebase's tip check
            if base_moved
            else method == "POST" and route.endswith("/repository/commits")  # as the commit is made
        )
        if when and not theirs:
            theirs.append(people.push(gitlab, setup.project, BRANCH, "notes.md", b"mine", setup.human))

    gitlab.before.append(person)
    result = publisher(gitlab, setup).publish(change_set("a", "b"))
    head = setup.project.branches[BRANCH]
    assert theirs and theirs[0] in setup.project.ancestors(head)  # the person's commit is on the branch
    if base_moved:  # a rebase would force over it: the adapter refused, the flow looked again, stepped back
        assert result.stopped and head == theirs[0]
    after = publisher(gitlab, setup).publish(change_set("a", "b", "c"))
    assert after.stopped and setup.project.branches[BRANCH] == head


def test_deleting_the_branch_hands_it_back_and_the_open_mr_goes_on(
    gitlab: StandIn, setup: people.Setup
) -> None:
    """GitLab keeps an MR open when its source branch is deleted: the next run makes the branch again."""
    publisher(gitlab, setup).publish(change_set("a"))
    people.push(gitlab, setup.project, BRANCH, "notes.md", b"mine", setup.human)
    assert publisher(gitlab, setup).publish(change_set("a", "b")).stopped
    with gitlab.gl.lock:
        del setup.project.branches[BRANCH]  # the person deletes the branch, as the note says
    result = publisher(gitlab, setup).publish(change_set("a", "b"))
    assert not result.stopped and result.request == 1 and len(setup.project.mrs) == 1
    assert setup.project.mrs[1].state == "opened" and on_branch(setup) == ["h-1", "pw-a", "pw-b"]
    assert setup.project.commits[setup.project.branches[BRANCH]].parent_ids == [
        setup.project.branches["main"]
    ]
