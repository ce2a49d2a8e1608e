"""The stand-in answers as GitLab's REST API v4 documents it: auth, paths, pages, limits, errors."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.gitlab import people
from tests.gitlab.server import StandIn


def call(gl: StandIn, method: str, path: str, token: str | None, **kw: Any) -> requests.Response:
    headers = {"PRIVATE-TOKEN": token} if token else {}
    return requests.request(method, gl.api_url + path, headers=headers, timeout=10, **kw)


def pid(setup: people.Setup) -> str:
    return quote(setup.project.path_with_namespace, safe="")


@pytest.mark.parametrize(
    "headers",
    [{}, {"PRIVATE-TOKEN": "glpat-wrong"}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}],
)
def test_without_a_valid_token_401_with_gitlabs_body(gitlab: StandIn, headers: dict[str, str]) -> None:
    people.project(gitlab)
    res = requests.get(gitlab.api_url + "/user", headers=headers, timeout=10)
    assert res.status_code == 401
    assert res.json() == {"message": "401 Unauthorized"}


@pytest.mark.parametrize("scheme", ["PRIVATE-TOKEN", "Authorization"])
def test_a_project_token_works_in_either_header(gitlab: StandIn, scheme: str) -> None:
    s = people.project(gitlab)
    value = s.bot_token if scheme == "PRIVATE-TOKEN" else f"Bearer {s.bot_token}"
    me = requests.get(gitlab.api_url + "/user", headers={scheme: value}, timeout=10).json()
    assert me["username"] == s.bot.username and me["bot"] is True and me["commit_email"]


@pytest.mark.parametrize("ident", ["path", "id", "unknown"])
def test_project_by_encoded_path_or_id(gitlab: StandIn, ident: str) -> None:
    s = people.project(gitlab)
    key = {"path": pid(s), "id": str(s.project.id), "unknown": quote("acme/none", safe="")}[ident]
    res = call(gitlab, "GET", f"/projects/{key}", s.bot_token)
    if ident == "unknown":
        assert (res.status_code, res.json()) == (404, {"message": "404 Project Not Found"})
    else:
        assert res.json()["path_with_namespace"] == s.project.path_with_namespace
        assert res.json()["default_branch"] == "main"


def test_offset_pagination_headers_and_link(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    for n in range(5):
        people.push(gitlab, s.project, "main", f"f{n}", b"x", s.human)
    seen: list[str] = []
    url: str | None = gitlab.api_url + f"/projects/{pid(s)}/repository/commits?ref_name=main&per_page=2"
    pages = []
    while url:
        res = requests.get(url, headers={"PRIVATE-TOKEN": s.bot_token}, timeout=10)
        pages.append(res.headers)
        seen += [c["id"] for c in res.json()]
        url = res.links.get("next", {}).get("url")
    assert len(seen) == len(set(seen)) == 6
    assert [h["X-Page"] for h in pages] == ["1", "2", "3"]
    assert pages[0]["X-Total"] == "6" and pages[0]["X-Total-Pages"] == "3" and pages[0]["X-Next-Page"] == "2"
    assert pages[-1]["X-Next-Page"] == "" and pages[-1]["X-Prev-Page"] == "2"
    assert 'rel="first"' in pages[0]["Link"] and 'rel="last"' in pages[0]["Link"]


def test_rate_limit_headers_then_429_retry_later(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    gitlab.rate_limit, gitlab.rate_headers_always = 3, True
    answers = [call(gitlab, "GET", "/user", s.bot_token) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert int(answers[0].headers["RateLimit-Reset"]) > time.time() - 1
    last = answers[-1]
    gitlab.rate_limit, gitlab.rate_headers_always = 2000, False
    assert "RateLimit-Reset" not in call(gitlab, "GET", "/user", s.bot_token).headers  # only on a 429
    assert last.text == "Retry later\n" and 0 <= int(last.headers["Retry-After"]) <= 60


def test_branches_get_create_delete(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    base = f"/projects/{pid(s)}/repository/branches"
    name = quote("postwright/orders", safe="")
    assert call(gitlab, "GET", f"{base}/{name}", s.bot_token).json() == {"message": "404 Branch Not Found"}
    made = call(gitlab, "POST", base, s.bot_token, json={"branch": "postwright/orders", "ref": "main"})
    assert made.status_code == 201 and made.json()["commit"]["id"] == s.project.branches["main"]
    again = call(gitlab, "POST", base, s.bot_token, json={"branch": "postwright/orders", "ref": "main"})
    assert (again.status_code, again.json()) == (400, {"message": "Branch already exists"})
    assert call(gitlab, "DELETE", f"{base}/{name}", s.bot_token).status_code == 204
    assert call(gitlab, "GET", f"{base}/{name}", s.bot_token).status_code == 404


def _commit(gitlab: StandIn, s: people.Setup, **data: Any) -> requests.Response:
    body = {"branch": "b", "commit_message": "m", **data}
    return call(gitlab, "POST", f"/projects/{pid(s)}/repository/commits", s.bot_token, json=body)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "actions": [{"action": "create", "file_path": "README.md", "content": "x"}],
                "start_branch": "main",
            },
            "A file with this name already exists",
        ),
        (
            {
                "actions": [{"action": "update", "file_path": "new.json", "content": "x"}],
                "start_branch": "main",
            },
            "A file with this name doesn't exist",
        ),
        (
            {"actions": [{"action": "create", "file_path": "a", "content": "x"}]},
            "You can only create or edit files when you are on a branch",
        ),
        (
            {
                "actions": [{"action": "create", "file_path": "a"}],
                "start_branch": "main",
                "start_sha": "0" * 40,
            },
            "start_branch, start_sha are mutually exclusive",
        ),
        (
            {"actions": [{"action": "rename", "file_path": "a"}], "start_branch": "main"},
            "actions[action] does not have a valid value",
        ),
    ],
)
def test_commits_api_refuses_as_gitlab_does(gitlab: StandIn, data: dict[str, Any], message: str) -> None:
    s = people.project(gitlab)
    res = _commit(gitlab, s, **data)
    assert (res.status_code, res.json()) == (400, {"message": message})


def test_commits_api_new_branch_existing_branch_and_force(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    main = s.project.branches["main"]
    first = _commit(
        gitlab, s, start_sha=main, actions=[{"action": "create", "file_path": "c.json", "content": "1"}]
    )
    assert first.status_code == 201 and first.json()["parent_ids"] == [main]
    assert first.json()["author_email"] == s.bot.email == first.json()["committer_email"]
    again = _commit(
        gitlab, s, start_sha=main, actions=[{"action": "create", "file_path": "c.json", "content": "2"}]
    )
    assert again.status_code == 400 and "A branch called 'b' already exists" in again.json()["message"]
    forced = _commit(
        gitlab,
        s,
        start_sha=main,
        force=True,
        actions=[{"action": "create", "file_path": "c.json", "content": "Mg==", "encoding": "base64"}],
    )
    assert forced.status_code == 201 and forced.json()["parent_ids"] == [main]
    raw = call(gitlab, "GET", f"/projects/{pid(s)}/repository/files/c.json/raw?ref=b", s.bot_token)
    assert raw.content == b"2"


def test_merge_requests_409_for_a_second_open_one_and_list_filters(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    people.push(gitlab, s.project, "main", "x", b"1", s.human)
    call(
        gitlab,
        "POST",
        f"/projects/{pid(s)}/repository/branches",
        s.bot_token,
        json={"branch": "b", "ref": "main"},
    )
    body = {"source_branch": "b", "target_branch": "main", "title": "Draft: t", "labels": "api-tests,bot"}
    made = call(gitlab, "POST", f"/projects/{pid(s)}/merge_requests", s.bot_token, json=body)
    assert made.status_code == 201
    assert made.json()["draft"] is True and made.json()["labels"] == ["api-tests", "bot"]
    dup = call(gitlab, "POST", f"/projects/{pid(s)}/merge_requests", s.bot_token, json=body)
    assert dup.status_code == 409
    assert dup.json() == {"message": ["Another open merge request already exists for this source branch: !1"]}
    people.close(gitlab, s.project, 1)
    for state, count in [("opened", 0), ("closed", 1), ("all", 1)]:
        listed = call(
            gitlab, "GET", f"/projects/{pid(s)}/merge_requests?source_branch=b&state={state}", s.bot_token
        )
        assert len(listed.json()) == count and listed.headers["X-Total"] == str(count)


def test_notes_edit_only_the_authors(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    call(
        gitlab,
        "POST",
        f"/projects/{pid(s)}/repository/branches",
        s.bot_token,
        json={"branch": "b", "ref": "main"},
    )
    call(
        gitlab,
        "POST",
        f"/projects/{pid(s)}/merge_requests",
        s.bot_token,
        json={"source_branch": "b", "target_branch": "main", "title": "t"},
    )
    note = call(
        gitlab, "POST", f"/projects/{pid(s)}/merge_requests/1/notes", s.bot_token, json={"body": "hi"}
    ).json()
    assert note["noteable_type"] == "MergeRequest" and note["author"]["username"] == s.bot.username
    other = people.token()
    gitlab.gl.tokens[other] = s.human.id
    res = call(
        gitlab, "PUT", f"/projects/{pid(s)}/merge_requests/1/notes/{note['id']}", other, json={"body": "x"}
    )
    assert res.status_code == 403


def test_faults_are_served_once_and_logged(gitlab: StandIn) -> None:
    s = people.project(gitlab)
    gitlab.fail("GET", r"^/user$", 502, body=b"<html>bad gateway</html>")
    assert call(gitlab, "GET", "/user", s.bot_token).status_code == 502
    assert call(gitlab, "GET", "/user", s.bot_token).status_code == 200
    assert [r.status for r in gitlab.requests("GET", "/user")] == [502, 200]
    assert all(s.bot_token in r.text() for r in gitlab.requests("GET", "/user"))
