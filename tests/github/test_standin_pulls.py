"""Pull requests, comments and labels behave as GitHub's do, pagination included."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.github.conftest import Client
from tests.github.standin.contract import Contract
from tests.github.standin.control import GitHubStandIn

REPO = "acme/api-tests"


def _open(github: GitHubStandIn, api: httpx.Client, branch: str, **extra: object) -> dict[str, Any]:
    github.push(REPO, branch, {f"{branch}.txt": branch}, by="octocat")
    reply = api.post(f"/repos/{REPO}/pulls", json={"title": branch, "head": branch, "base": "main", **extra})
    assert reply.status_code == 201, reply.text
    return reply.json()


@pytest.mark.parametrize("head", ["postwright/orders", "acme:postwright/orders"])
def test_second_open_pull_for_a_head_is_refused_with_githubs_422(
    github: GitHubStandIn, client: Client, head: str
) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    first = _open(github, api, "postwright/orders")
    assert (first["number"], first["state"], first["merged"], first["draft"]) == (1, "open", False, False)
    again = api.post(f"/repos/{REPO}/pulls", json={"title": "t", "head": head, "base": "main"})
    assert again.status_code == 422
    assert again.json()["message"] == "Validation Failed"
    assert again.json()["errors"] == [
        {
            "resource": "PullRequest",
            "code": "custom",
            "message": "A pull request already exists for acme:postwright/orders.",
        }
    ]
    assert again.json()["documentation_url"].startswith("https://docs.github.com/")


def test_pull_validation_failures(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    no_branch = api.post(f"/repos/{REPO}/pulls", json={"title": "t", "head": "nope", "base": "main"})
    assert no_branch.status_code == 422 and no_branch.json()["errors"][0]["field"] == "head"
    github.push(REPO, "same", {}, by="octocat")
    github.repo(REPO).refs["refs/heads/same"] = github.repo(REPO).branch("main") or ""
    nothing = api.post(f"/repos/{REPO}/pulls", json={"title": "t", "head": "same", "base": "main"})
    assert nothing.json()["errors"][0]["message"] == "No commits between main and same"


def test_filters_state_and_head(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    a, b = _open(github, api, "a"), _open(github, api, "b", draft=True)
    github.close_pull(REPO, int(str(a["number"])))
    merged_sha = github.merge_pull(REPO, int(str(b["number"])), by="reviewer")

    def numbers(**query: str) -> list[int]:
        return [p["number"] for p in api.get(f"/repos/{REPO}/pulls", params=query).json()]

    assert numbers() == []
    assert numbers(state="closed") == [2, 1]
    assert numbers(state="all", head="acme:a") == [1]
    assert numbers(state="all", head="other:a") == []
    got = api.get(f"/repos/{REPO}/pulls/2").json()
    assert (got["state"], got["merged"], got["merge_commit_sha"], got["merged_by"]["login"]) == (
        "closed",
        True,
        merged_sha,
        "reviewer",
    )
    assert got["draft"] is True
    main = github.repo(REPO).store.commits[github.repo(REPO).branch("main") or ""]
    assert len(main.parents) == 2 and github.file(REPO, "main", "b.txt") == b"b"
    unmerged = api.get(f"/repos/{REPO}/pulls/1").json()
    assert (unmerged["state"], unmerged["merged"], unmerged["merged_at"]) == ("closed", False, None)


def test_update_close_and_reopen(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    pr = _open(github, api, "topic")
    edited = api.patch(f"/repos/{REPO}/pulls/1", json={"title": "New", "body": "Body"}).json()
    assert (edited["title"], edited["body"]) == ("New", "Body")
    assert api.patch(f"/repos/{REPO}/pulls/1", json={"state": "closed"}).json()["state"] == "closed"
    second = api.post(f"/repos/{REPO}/pulls", json={"title": "again", "head": "topic", "base": "main"})
    assert second.status_code == 201  # the first one is closed: a new one may open
    reopened = api.patch(f"/repos/{REPO}/pulls/{pr['number']}", json={"state": "open"})
    assert reopened.status_code == 422 and "already exists" in reopened.json()["errors"][0]["message"]
    assert api.get(f"/repos/{REPO}/pulls/99").status_code == 404


def test_pull_follows_its_branch_and_lists_its_commits(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    _open(github, api, "topic")
    later = github.push(REPO, "topic", {"more.txt": "more"}, by="someone", message="A person's commit")
    got = api.get(f"/repos/{REPO}/pulls/1").json()
    assert got["head"]["sha"] == later and got["commits"] == 2
    commits = api.get(f"/repos/{REPO}/pulls/1/commits").json()
    assert [c["author"]["login"] for c in commits] == ["octocat", "someone"]
    assert [c["commit"]["committer"]["email"] for c in commits][1] == github.hub.users["someone"].email


def test_pagination_link_header(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    _open(github, api, "topic")
    for i in range(7):
        assert api.post(f"/repos/{REPO}/issues/1/comments", json={"body": f"c{i}"}).status_code == 201
    seen, url, pages = [], f"/repos/{REPO}/issues/1/comments?per_page=3", 0
    while url:
        reply = api.get(url)
        seen += [c["body"] for c in reply.json()]
        pages += 1
        links = dict(
            (rel, u) for u, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', reply.headers.get("link", ""))
        )
        if pages == 1:
            assert set(links) == {"next", "last"} and "page=3" in links["last"]
        if pages == 2:
            assert set(links) == {"next", "last", "first", "prev"}
        url = links.get("next", "").replace(github.url, "")
    assert (seen, pages) == ([f"c{i}" for i in range(7)], 3)
    one = api.get(f"/repos/{REPO}/issues/1/comments", params={"per_page": 100})
    assert len(one.json()) == 7 and "link" not in one.headers


def test_comments_edit_and_labels(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    _open(github, api, "topic")
    made = api.post(
        f"/repos/{REPO}/issues/1/comments", json={"body": "<!-- postwright:report -->\nfirst"}
    ).json()
    edited = api.patch(f"/repos/{REPO}/issues/comments/{made['id']}", json={"body": "second"})
    assert edited.status_code == 200 and edited.json()["body"] == "second"
    assert [c.body for c in github.comments(REPO, 1)] == ["second"]
    assert api.post(f"/repos/{REPO}/issues/9/comments", json={"body": "x"}).status_code == 404
    assert api.patch(f"/repos/{REPO}/issues/comments/12345", json={"body": "x"}).status_code == 404
    labels = api.post(f"/repos/{REPO}/issues/1/labels", json={"labels": ["api-tests", "Bot"]})
    assert [x["name"] for x in labels.json()] == ["api-tests", "Bot"]
    again = api.post(f"/repos/{REPO}/issues/1/labels", json={"labels": ["api-tests", "more"]})
    assert [x["name"] for x in again.json()] == ["api-tests", "Bot", "more"]
    assert [x["name"] for x in api.get(f"/repos/{REPO}/pulls/1").json()["labels"]] == [
        "api-tests",
        "Bot",
        "more",
    ]
    assert [x["name"] for x in api.get(f"/repos/{REPO}/pulls").json()[0]["labels"]] == [
        "api-tests",
        "Bot",
        "more",
    ]


@pytest.mark.parametrize(
    ("login", "kind"),
    [("dependabot[bot]", "Bot"), ("renovate[bot]", "Bot"), ("a-person", "User"), ("odd[name]", "User")],
)
def test_commit_authors_of_every_kind_in_compare_and_pull_commits(
    github: GitHubStandIn, client: Client, login: str, kind: str
) -> None:
    github.create_repo(REPO)
    if login != "renovate[bot]":  # a login ending in [bot] is a bot even when made by push()
        github.add_user(login, type=kind)
    api = client(github.token_for("octocat"))
    _open(github, api, "topic")
    github.push(REPO, "topic", {"x": "x"}, by=login)
    commits = api.get(f"/repos/{REPO}/pulls/1/commits").json()
    assert commits[-1]["author"]["login"] == commits[-1]["committer"]["login"] == login
    assert commits[-1]["author"]["type"] == kind
    compared = api.get(f"/repos/{REPO}/compare/main...topic").json()
    assert [c["sha"] for c in compared["commits"]] == [c["sha"] for c in commits]


@pytest.mark.parametrize(
    ("role", "permission"),
    [
        ("admin", "admin"),
        ("maintain", "write"),
        ("write", "write"),
        ("triage", "read"),
        ("read", "read"),
        (None, "none"),
    ],
)
def test_collaborator_permission(
    github: GitHubStandIn, client: Client, role: str | None, permission: str
) -> None:
    github.create_repo(REPO)
    github.add_user("someone")
    if role:
        github.grant(REPO, "someone", role)
    api = client(github.token_for("octocat"))
    got = api.get(f"/repos/{REPO}/collaborators/someone/permission").json()
    assert (got["permission"], got["role_name"], got["user"]["login"]) == (
        permission,
        role or "none",
        "someone",
    )
    assert api.get(f"/repos/{REPO}/collaborators/nobody-at-all/permission").status_code == 404


def test_reactions_and_reading_a_comment(
    github: GitHubStandIn, github_contract: Contract, client: Client
) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    _open(github, api, "topic")
    made = api.post(f"/repos/{REPO}/issues/1/comments", json={"body": "/postwright propose"}).json()
    assert api.get(f"/repos/{REPO}/issues/comments/{made['id']}").json()["body"] == "/postwright propose"
    first = api.post(f"/repos/{REPO}/issues/comments/{made['id']}/reactions", json={"content": "eyes"})
    again = api.post(f"/repos/{REPO}/issues/comments/{made['id']}/reactions", json={"content": "eyes"})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert first.json()["user"]["login"] == "octocat"
    bad = api.post(f"/repos/{REPO}/issues/comments/{made['id']}/reactions", json={"content": "shrug"})
    assert bad.status_code == 422 and bad.json()["message"] == "Validation Failed"
    assert any("request body" in v for v in github_contract.take())  # the request broke the enum
