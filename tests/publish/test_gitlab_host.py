"""The GitLab HostAPI against the stand-in: faults and limits, identity, the sticky note, drafts."""

from __future__ import annotations

import json
import re
import time

import pytest

from agent.errors import ConfigError, PublishFailed
from agent.publish.gitlab import GitLabHost, RateLimited, base_url, token_from
from agent.publish.remote import BranchExists, RequestExists
from tests.gitlab import people
from tests.gitlab.server import DROP, StandIn

BRANCH = "postwright/orders"
MARK = "<!-- postwright:report -->"


def host(gitlab: StandIn, s: people.Setup, max_wait: float = 300.0) -> GitLabHost:
    return GitLabHost(
        gitlab.api_url, s.project.path_with_namespace, s.bot_token, max_retries=3, max_wait=max_wait
    )


def branch_with_mr(gitlab: StandIn, s: people.Setup, h: GitLabHost) -> int:
    base = h.head("main")
    assert base is not None
    h.commit(BRANCH, base, {"c/o.json": b"{}\n"}, "m", create=True)
    return h.open_request(BRANCH, "main", "t", "b", draft=False, labels=[]).number


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", r"^/user$"),
        ("POST", r"/repository/commits$"),
        ("POST", r"/merge_requests$"),
        ("GET", r"/notes$"),
    ],
)
@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_transient_error_then_success(gitlab: StandIn, method: str, path: str, status: int) -> None:
    s = people.project(gitlab)
    h = host(gitlab, s)
    gitlab.fail(method, path, status, times=2, body=b"<html>upstream</html>")
    number = branch_with_mr(gitlab, s, h)
    h.upsert_comment(number, MARK, MARK + "\nreport")
    statuses = [r.status for r in gitlab.requests(method, path)]
    assert statuses[:3] == [status, status, statuses[2]] and 200 <= statuses[2] < 300
    assert s.project.mrs[number].notes[0].body.endswith("report")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/repository/branches/"), ("POST", "/repository/commits$")]
)
def test_a_dropped_connection_is_retried(gitlab: StandIn, method: str, path: str) -> None:
    s = people.project(gitlab)
    h = host(gitlab, s)
    gitlab.fail(method, path, DROP, times=2)
    base = h.head("main")
    assert base is not None and h.commit(BRANCH, base, {"c/o.json": b"{}\n"}, "m", create=True)
    assert [r.status for r in gitlab.requests(method, path)][:3] == [
        DROP,
        DROP,
        200 if method == "GET" else 201,
    ]


def test_the_last_transient_error_is_one_line_without_the_token(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    where = "^/projects/" + re.escape(s.project.path_with_namespace) + "$"
    gitlab.fail("GET", where, 502, times=10, body={"message": "502 Bad Gateway"})
    with pytest.raises(PublishFailed) as caught:
        host(gitlab, s).default_branch()
    text = str(caught.value.message) + str(caught.value.hint)
    assert "\n" not in text and s.bot_token not in text and "502" in text
    assert len(gitlab.requests("GET", where)) == 4  # the first try and 3 retries


@pytest.mark.parametrize("header", ["Retry-After", "RateLimit-Reset"])
def test_429_waits_what_gitlab_asks_then_goes_on(gitlab: StandIn, header: str) -> None:
    s = people.project(gitlab)
    value = "1" if header == "Retry-After" else str(int(time.time()) + 2)
    gitlab.fail("GET", r"/repository/branches/", 429, headers={header: value}, body=b"Retry later\n")
    started = time.monotonic()
    assert host(gitlab, s).head("main") == s.project.branches["main"]
    assert time.monotonic() - started >= 0.9
    assert [r.status for r in gitlab.requests("GET", "/repository/branches/")] == [429, 200]


@pytest.mark.parametrize(
    "headers", [{"Retry-After": "3600"}, {"RateLimit-Reset": str(int(time.time()) + 7200)}]
)
def test_a_wait_past_the_limit_is_a_clear_failure_at_once(gitlab: StandIn, headers: dict[str, str]) -> None:
    s = people.project(gitlab)
    gitlab.fail("GET", r"/repository/branches/", 429, headers=headers, body=b"Retry later\n")
    with pytest.raises(RateLimited, match="rate limit: asked to wait .* more than the 60 s allowed"):
        host(gitlab, s, max_wait=60).head("main")
    assert len(gitlab.requests("GET", "/repository/branches/")) == 1  # no wait, no retry


def test_a_5xx_is_retried_with_backoff_even_beside_a_far_rate_limit_reset(gitlab: StandIn) -> None:
    """An instance sending RateLimit-* with every answer: python-gitlab alone would wait for the reset."""
    s = people.project(gitlab)
    gitlab.rate_headers_always = True
    far = {"RateLimit-Reset": str(int(time.time()) + 7200)}
    gitlab.fail("GET", r"/repository/branches/", 502, times=2, headers=far, body=b"<html>bad gateway</html>")
    assert host(gitlab, s).head("main") == s.project.branches["main"]
    assert [r.status for r in gitlab.requests("GET", "/repository/branches/")] == [502, 502, 200]


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_is_one_line_naming_what_to_do(gitlab: StandIn, status: int) -> None:
    s = people.project(gitlab)
    gitlab.fail("GET", r"^/user$", status, body={"message": f"{status} refused"})
    with pytest.raises(PublishFailed) as caught:
        _ = host(gitlab, s).bot_login
    assert caught.value.hint and ("renew" in caught.value.hint or "Developer role" in caught.value.hint)
    assert s.bot_token not in caught.value.message + caught.value.hint


def test_an_unknown_project_names_the_setting(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    with pytest.raises(PublishFailed, match="404") as caught:
        GitLabHost(gitlab.api_url, "acme/missing", s.bot_token).default_branch()
    assert caught.value.hint and "publish.repo" in caught.value.hint


@pytest.mark.parametrize("who", ["bot", "human author", "human committer", "human both"])
def test_foreign_commits_by_author_or_committer(gitlab: StandIn, who: str) -> None:
    s = people.project(gitlab)
    h = host(gitlab, s)
    base = h.head("main")
    assert base is not None
    ours = h.commit(BRANCH, base, {"c/o.json": b"{}\n"}, "m", create=True)
    author = s.human if who in ("human author", "human both") else s.bot
    committer = s.human if who in ("human committer", "human both") else s.bot
    with gitlab.gl.lock:
        project = s.project
        tree = {**project.commits[ours].tree, "x": b"y"}
        made = gitlab.gl.make_commit(project, [ours], tree, "edit", author, committer)
        project.branches[BRANCH] = made.id
    assert h.foreign_commits(base, BRANCH) == ([] if who == "bot" else [made.id])


def test_commit_creates_or_updates_files_and_create_is_a_compare_and_swap(gitlab: StandIn) -> None:
    s = people.project(gitlab, files={"README.md": b"r", "collections/a b.json": b"old"})
    h = host(gitlab, s)
    base = h.head("main")
    assert base is not None
    files = {
        "collections/a b.json": b"new\n",
        "collections/new.json": "caf\u00e9\n".encode(),
        "collections/crlf.json": b"{\r\n}\r\n",
        "collections/latin1.txt": "caf\u00e9".encode("latin-1"),
    }
    first = h.commit(BRANCH, base, files, "m", create=True)
    assert h.read_file(first, "collections/a b.json") == b"new\n"
    assert all(h.read_file(BRANCH, path) == content for path, content in files.items())  # byte for byte
    with pytest.raises(BranchExists):
        h.commit(BRANCH, base, files, "m", create=True)
    people.push(gitlab, s.project, "main", "README.md", b"moved", s.human)
    moved = h.head("main")
    assert moved is not None
    rebased = h.commit(BRANCH, moved, files, "m", create=False)  # onto the moved base
    assert s.project.commits[rebased].parent_ids == [moved] and h.head(BRANCH) == rebased


def test_one_open_mr_per_branch_and_drafts_stay_drafts(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    h = host(gitlab, s)
    base = h.head("main")
    assert base is not None
    h.commit(BRANCH, base, {"c/o.json": b"{}\n"}, "m", create=True)
    mr = h.open_request(BRANCH, "main", "Tests", "body", draft=True, labels=["api-tests", "bot"])
    assert s.project.mrs[mr.number].title == "Draft: Tests"
    assert s.project.mrs[mr.number].labels == ["api-tests", "bot"]
    with pytest.raises(RequestExists):
        h.open_request(BRANCH, "main", "Tests", "body", draft=True, labels=[])
    h.update_request(mr.number, "Tests", "body")
    assert not gitlab.requests("PUT", "/merge_requests/")  # nothing changed: nothing sent
    h.update_request(mr.number, "More tests", "body 2")
    assert s.project.mrs[mr.number].title == "Draft: More tests"
    assert s.project.mrs[mr.number].description == "body 2"
    s.project.mrs[mr.number].title = "More tests"  # a person marks it ready: it stays ready
    h.update_request(mr.number, "More tests", "body 3")
    assert (s.project.mrs[mr.number].title, s.project.mrs[mr.number].description) == ("More tests", "body 3")
    found = h.find_request(BRANCH)
    assert found is not None and (found.number, found.state, found.body) == (mr.number, "open", "body 3")


@pytest.mark.parametrize("state", ["closed", "merged"])
def test_find_request_reports_the_newest_in_any_state(gitlab: StandIn, state: str) -> None:
    s = people.project(gitlab)
    h = host(gitlab, s)
    number = branch_with_mr(gitlab, s, h)
    if state == "closed":
        people.close(gitlab, s.project, number)
    else:
        people.merge(gitlab, s.project, number, s.human)
    found = h.find_request(BRANCH)
    assert found is not None and found.state == state and found.number == number
    assert h.find_request("postwright/other") is None


def test_the_sticky_note_is_found_past_the_first_page_and_edited_only_when_changed(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    h = host(gitlab, s)
    number = branch_with_mr(gitlab, s, h)
    mr = s.project.mrs[number]
    from tests.gitlab.model import Note

    for n in range(25):  # people talking, one quoting the marker: not ours to edit
        body = f"{MARK} quoted" if n == 3 else f"comment {n}"
        mr.notes.append(Note(gitlab.gl.next_id(), body, s.human, mr.id, mr.iid, s.project.id))
    h.upsert_comment(number, MARK, MARK + "\nfirst")
    h.upsert_comment(number, MARK, MARK + "\nfirst")
    h.upsert_comment(number, MARK, MARK + "\nsecond")
    ours = [n for n in mr.notes if n.author.id == s.bot.id]
    assert [n.body for n in ours] == [MARK + "\nsecond"]
    assert mr.notes[3].body == f"{MARK} quoted"
    assert len(gitlab.requests("POST", "/notes$")) == 1 and len(gitlab.requests("PUT", "/notes/")) == 1
    pages = gitlab.requests("GET", "/notes")
    assert any("page=2" in r.path for r in pages)  # python-gitlab followed the Link header


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://gitlab.example/api/v4", "https://gitlab.example"),
        ("https://gitlab.example/api/v4/", "https://gitlab.example"),
        ("https://example.org/gitlab/api/v4", "https://example.org/gitlab"),
        ("https://gitlab.example", "https://gitlab.example"),
    ],
)
def test_api_url_forms(url: str, expected: str) -> None:
    assert base_url(url) == expected


def test_api_url_of_another_version_is_refused() -> None:
    with pytest.raises(ConfigError, match="/api/v4"):
        base_url("https://gitlab.example/api/v3")


@pytest.mark.parametrize("env", [None, "PW_GL_TOKEN"])
def test_the_token_comes_from_the_environment_only(monkeypatch: pytest.MonkeyPatch, env: str | None) -> None:
    name = env or "GITLAB_TOKEN"
    monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match=rf"\${name}"):
        token_from(env)
    secret = people.token()
    monkeypatch.setenv(name, secret + "\n")
    assert token_from(env) == secret


def test_a_commit_on_our_own_tip_names_no_start_so_a_push_meanwhile_is_kept(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    h = host(gitlab, s)
    base = h.head("main")
    assert base is not None
    ours = h.commit(BRANCH, base, {"c/o.json": b"1\n"}, "m", create=True)
    theirs: list[str] = []

    def person(method: str, route: str) -> None:
        if method == "POST" and route.endswith("/repository/commits") and not theirs:
            theirs.append(people.push(gitlab, s.project, BRANCH, "notes.md", b"mine", s.human))

    gitlab.before.append(person)
    made = h.commit(BRANCH, ours, {"c/o.json": b"2\n"}, "m", create=False)
    body = json.loads(gitlab.requests("POST", "/repository/commits$")[-1].body)
    assert "start_sha" not in body and "force" not in body
    assert s.project.commits[made].parent_ids == theirs  # on top of the person's, never over it
    assert h.foreign_commits(base, BRANCH) == theirs


@pytest.mark.parametrize("tip", ["ours", "a person's"])
def test_a_rebase_forces_only_over_our_own_tip(gitlab: StandIn, tip: str) -> None:
    s = people.project(gitlab)
    h = host(gitlab, s)
    base = h.head("main")
    assert base is not None
    h.commit(BRANCH, base, {"c/o.json": b"1\n"}, "m", create=True)
    if tip == "a person's":
        people.push(gitlab, s.project, BRANCH, "notes.md", b"mine", s.human)
    before = s.project.branches[BRANCH]
    moved = people.push(gitlab, s.project, "main", "README.md", b"moved", s.human)
    if tip == "ours":
        made = h.commit(BRANCH, moved, {"c/o.json": b"2\n"}, "m", create=False)
        assert s.project.commits[made].parent_ids == [moved]
        assert json.loads(gitlab.requests("POST", "/repository/commits$")[-1].body)["force"] is True
    else:
        with pytest.raises(BranchExists):
            h.commit(BRANCH, moved, {"c/o.json": b"2\n"}, "m", create=False)
        assert s.project.branches[BRANCH] == before
