"""Publishing to GitHub through the Git Data API, against the GitHub stand-in (tests/github).

Every request the adapter sends and every reply is checked against @octokit/openapi by the
``github`` fixture at teardown.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from agent.identity.env import EnvToken
from agent.identity.token import TokenCache
from agent.ports import ChangeSet
from agent.publish.github import GitHubAPI
from agent.publish.github_calls import CachedToken, Calls
from agent.publish.remote import RemotePublisher
from agent.publish.request_body import HANDS_OFF_MARKER, REPORT_MARKER, read_marker
from tests.github.standin.control import GitHubStandIn

REPO = "acme/api-tests"
PATH = "collections/orders.postman_collection.json"
BRANCH = "postwright/orders"
HUMAN = {"id": "h-1", "name": "by a person", "request": {"method": "GET", "url": "{{base}}/x"}}
WRITES = ("POST", "PATCH", "PUT", "DELETE")


def item(name: str) -> dict[str, Any]:
    return {
        "id": f"pw-{name}",
        "name": f"GET /{name}",
        "request": {"method": "GET", "url": f"{{{{base}}}}/{name}"},
    }


def change_set(*names: str) -> ChangeSet:
    collection = {"info": {"name": "API"}, "item": [item(n) for n in names]}
    return ChangeSet(
        key="k", title=f"postwright: {len(names)} tests", collection=collection, body="tests", proposals=[]
    )


class Clock:
    """A clock that moves only when the code sleeps: waits are recorded, never spent."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Env:
    """A repository on the stand-in with a person's collection file, and a bot's token."""

    def __init__(self, github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch, api_root: str = "") -> None:
        self.github = github
        body = json.dumps({"info": {"name": "orders"}, "item": [HUMAN]}, indent=4) + "\n"
        github.create_repo(REPO, files={PATH: body, "README.md": "# tests\n"})
        self.token = github.token_for("pw-bot")
        monkeypatch.setenv("PW_TEST_GITHUB_TOKEN", self.token)
        self.cache = TokenCache(EnvToken("PW_TEST_GITHUB_TOKEN"), on_event=self.events.append)
        self.clock = Clock()
        self.api_url = github.url + api_root

    events: list[Any] = []

    def publisher(
        self, *, max_wait: float = 900.0, transport: httpx.BaseTransport | None = None, **kw: Any
    ) -> RemotePublisher:
        calls = Calls(
            self.api_url,
            CachedToken(self.cache, self.api_url),
            max_wait=max_wait,
            clock=self.clock.time,
            sleep=self.clock.sleep,
            transport=transport,
        )
        return RemotePublisher(GitHubAPI(REPO, calls), PATH, labels=["api-tests"], **kw)

    def on_branch(self) -> list[str]:
        data = self.github.file(REPO, BRANCH, PATH)
        assert data is not None
        return [i["id"] for i in json.loads(data)["item"]]

    def writes(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.github.requests if r.method in WRITES]


@pytest.fixture
def env(github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch) -> Env:
    Env.events = []
    return Env(github, monkeypatch)


def test_first_run_opens_one_pull_request(env: Env) -> None:
    result = env.publisher(draft=True).publish(change_set("a", "b"))
    (pull,) = env.github.pulls(REPO)
    assert (pull.number, pull.head_ref, pull.base_ref, pull.draft) == (result.request, BRANCH, "main", True)
    assert list(pull.labels) == ["api-tests"]
    assert read_marker(pull.body or "").ids == {"pw-a", "pw-b"}
    assert env.on_branch() == ["h-1", "pw-a", "pw-b"]
    base = env.github.file(REPO, "main", PATH) or b""
    assert json.loads(env.github.file(REPO, BRANCH, PATH) or b"")["item"][0] == json.loads(base)["item"][0]
    (comment,) = env.github.comments(REPO, pull.number)
    assert comment.body.startswith(REPORT_MARKER) and comment.user.login == "pw-bot"
    # no clone: the Git Data API, and nothing else writes
    assert {w.split(" /repos/acme/api-tests/")[1].split("/")[0] for w in env.writes()} == {
        "git",
        "pulls",
        "issues",
    }


def test_later_runs_update_the_same_pull_request_and_nothing_new_touches_nothing(env: Env) -> None:
    env.publisher().publish(change_set("a"))
    second = env.publisher().publish(change_set("b"))
    assert len(env.github.pulls(REPO)) == 1 and second.created
    assert env.on_branch() == ["h-1", "pw-a", "pw-b"]
    assert len(env.github.comments(REPO, 1)) == 1  # one sticky comment, edited
    before = env.writes()
    third = env.publisher().publish(change_set("b", "a"))
    assert env.writes() == before and not third.created and third.request == 1


def test_a_moved_base_gets_a_commit_rebased_onto_it(env: Env) -> None:
    env.publisher().publish(change_set("a"))
    moved = env.github.move_base(REPO, {"docs/other.md": "elsewhere\n"})
    result = env.publisher().publish(change_set("b"))
    store = env.github.repo(REPO).store
    assert list(store.commits[result.commit or ""].parents) == [moved]
    assert env.on_branch() == ["h-1", "pw-a", "pw-b"]


@pytest.mark.parametrize("who", ["alice", "dependabot[bot]"])
def test_a_commit_by_someone_else_stops_updates(env: Env, who: str) -> None:
    env.publisher().publish(change_set("a"))
    tip = env.github.push(REPO, BRANCH, {"notes.md": "mine\n"}, by=who)
    for names in (("b",), ("c",)):
        result = env.publisher().publish(change_set(*names))
        assert result.stopped and result.proposed == []
    assert env.github.repo(REPO).branch(BRANCH) == tip
    hands_off = [c for c in env.github.comments(REPO, 1) if HANDS_OFF_MARKER in c.body]
    assert len(hands_off) == 1


def test_closed_unmerged_rejects_and_merged_publishes(env: Env) -> None:
    env.publisher().publish(change_set("a", "b"))
    env.github.close_pull(REPO, 1)
    closed = env.publisher().publish(change_set("a", "b", "c"))
    assert closed.rejected == ["pw-a", "pw-b"] and closed.decision == "pull request #1 closed without merging"
    assert closed.request == 2 and env.on_branch() == ["h-1", "pw-c"]
    env.github.merge_pull(REPO, 2, by="reviewer")
    merged = env.publisher().publish(change_set("c"))
    assert merged.merged == ["pw-c"] and merged.request is None and len(env.github.pulls(REPO)) == 2


def test_github_enterprise_api_root(github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    env = Env(github, monkeypatch, api_root="/api/v3")
    sent: list[str] = []

    class Spy(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request.url.path)
            return super().handle_request(request)

    spy = Spy()
    assert env.publisher(transport=spy).publish(change_set("a")).request == 1
    assert sent and all(
        path.startswith("/api/v3/repos/acme/api-tests") or path == "/api/v3/user" for path in sent
    )


@pytest.mark.parametrize(
    ("fault", "waits"),
    [
        (lambda g: g.secondary_limit("POST", r"/git/blobs$"), [60.0]),
        (lambda g: [g.secondary_limit("POST", r"/git/trees$") for _ in range(2)], [60.0, 120.0]),
        (lambda g: g.secondary_limit("GET", r"/pulls$", retry_after=7), [7.0]),
        (lambda g: g.too_many("POST", r"/git/commits$", retry_after=3), [3.0]),
        (lambda g: g.bad_gateway("POST", r"/pulls$", times=2), [1.0, 2.0]),
        (lambda g: g.fail_next("GET", r"/contents/", 503), [1.0]),
        (lambda g: g.drop_connection("POST", r"/git/trees$", times=2), [1.0, 2.0]),
    ],
)  # fmt: skip
def test_rate_limits_and_faults_are_waited_out(env: Env, fault: Any, waits: list[float]) -> None:
    fault(env.github)
    result = env.publisher().publish(change_set("a"))
    assert result.request == 1 and len(env.github.pulls(REPO)) == 1
    assert env.clock.slept == waits


def test_an_exhausted_quota_waits_until_its_reset(env: Env) -> None:
    env.github.exhaust("GET", r"/git/ref/", reset_in=100)
    import time

    env.clock.now = time.time()  # the reset header is on the stand-in's wall clock
    env.publisher().publish(change_set("a"))
    assert len(env.clock.slept) == 1 and 90 <= env.clock.slept[0] <= 102


@pytest.mark.parametrize("max_wait", [0.0, 30.0])
def test_a_wait_past_max_wait_fails_in_one_line(env: Env, max_wait: float) -> None:
    from agent.errors import PublishFailed

    env.github.exhaust("GET", r"/git/ref/", reset_in=3600)
    with pytest.raises(PublishFailed) as failed:
        env.publisher(max_wait=max_wait).publish(change_set("a"))
    message = str(failed.value)
    assert "\n" not in message and "max_wait" in message and env.clock.slept == []
    assert env.github.pulls(REPO) == []


def test_an_unreachable_host_fails_in_one_line_after_retries(env: Env) -> None:
    import socket

    from agent.errors import PublishFailed

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env.api_url = f"http://127.0.0.1:{port}"
    with pytest.raises(
        PublishFailed, match=r"^GitHub: cannot .*ConnectError reaching 127\.0\.0\.1"
    ) as failed:
        env.publisher().publish(change_set("a"))
    assert "\n" not in str(failed.value) and env.clock.slept == [1.0, 2.0, 4.0, 8.0]


def test_a_token_that_expires_mid_publish_is_refused_once_then_fails_clearly(env: Env) -> None:
    from agent.errors import PublishFailed

    publisher = env.publisher()
    publisher.publish(change_set("a"))
    env.github.expire(env.token)  # a plain token cannot be renewed: one more try, then one line
    with pytest.raises(PublishFailed, match="401 Bad credentials"):
        publisher.publish(change_set("b"))
    assert [e.outcome for e in Env.events] == ["issued", "refused", "issued"]


class Racing(GitHubAPI):
    """Another run's whole publish happens between this run's look and its first write."""

    rival: RemotePublisher | None = None
    at = "commit"

    def commit(self, *args: Any, **kw: Any) -> str:
        self._race("commit")
        return super().commit(*args, **kw)

    def open_request(self, *args: Any, **kw: Any) -> Any:
        self._race("open")
        return super().open_request(*args, **kw)

    def _race(self, where: str) -> None:
        if self.rival is not None and where == self.at:
            rival, self.rival = self.rival, None
            rival.publish(change_set("a", "b"))


@pytest.mark.parametrize("at", ["commit", "open"])
def test_two_runs_at_once_open_one_pull_request(env: Env, at: str) -> None:
    mine = env.publisher()
    racing = Racing(REPO, mine.api.calls)  # type: ignore[attr-defined]
    racing.rival, racing.at = env.publisher(), at
    RemotePublisher(racing, PATH).publish(change_set("a"))
    assert len(env.github.pulls(REPO)) == 1
    assert set(env.on_branch()) == {"h-1", "pw-a", "pw-b"}
    answers = [r.status for r in env.github.requests if r.method == "POST"]
    assert 422 in answers  # the ref (or the pull) create was the compare-and-swap


def test_two_threads_at_once_open_one_pull_request(env: Env) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(names: tuple[str, ...]) -> None:
        try:
            start.wait()
            env.publisher().publish(change_set(*names))
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in (("a",), ("a", "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(env.github.pulls(REPO)) == 1
    assert {"pw-a"} <= set(env.on_branch())


def test_the_token_is_in_no_request_body_or_header_but_authorization(env: Env) -> None:
    env.publisher().publish(change_set("a"))
    env.publisher().publish(change_set("b"))
    assert env.github.requests and env.github.requests_containing(env.token) == []
    assert all(env.token in r.headers.get("authorization", "") for r in env.github.requests)


def test_the_actions_token_publishes_as_github_actions_bot(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installation token may not read GET /user (403): GitHub Actions' GITHUB_TOKEN is the
    github-actions[bot], so a second run updates its pull request instead of stopping."""
    app = env.github.register_app("github-actions", owner="acme")
    installation = env.github.install(app, "acme")
    minted = httpx.post(
        f"{env.github.url}/app/installations/{installation.id}/access_tokens",
        headers={"Authorization": f"Bearer {env.github.app_jwt(app)}"},
    ).json()["token"]
    monkeypatch.setenv("PW_TEST_GITHUB_TOKEN", minted)
    env.publisher().publish(change_set("a"))
    second = env.publisher().publish(change_set("b"))
    assert second.created and second.stopped is None
    assert env.github.pulls(REPO)[0].user.login == "github-actions[bot]"


def test_the_sticky_comment_is_found_past_the_first_page(env: Env) -> None:
    """A busy pull request: a page of comments by people, then ours; a later run finds it on page 2."""
    env.publisher().publish(change_set("a"))
    people = httpx.Client(
        base_url=env.github.url, headers={"Authorization": f"Bearer {env.github.token_for('carol')}"}
    )
    with people:
        for n in range(10):
            assert (
                people.post(f"/repos/{REPO}/issues/1/comments", json={"body": f"note {n}"}).status_code == 201
            )
    env.github.push(REPO, BRANCH, {"notes.md": "mine\n"}, by="alice")
    for _ in range(2):
        publisher = env.publisher()
        publisher.api.calls.page_size = 10  # type: ignore[attr-defined]
        assert publisher.publish(change_set("b")).stopped
    hands_off = [c for c in env.github.comments(REPO, 1) if HANDS_OFF_MARKER in c.body]
    assert len(hands_off) == 1
    listed = [r for r in env.github.requests if r.method == "GET" and r.path.endswith("/issues/1/comments")]
    assert any("page=2" in r.query for r in listed)  # the Link header was followed
