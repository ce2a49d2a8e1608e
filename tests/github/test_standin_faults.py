"""Rate-limit headers, injected faults as GitHub sends them, and the request log."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest

from tests.github.conftest import Client
from tests.github.standin.control import GitHubStandIn

REPO = "acme/api-tests"


def test_rate_limit_headers_count_down(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat", limit=3))
    first, second = api.get(f"/repos/{REPO}"), api.get(f"/repos/{REPO}")
    assert [first.headers["x-ratelimit-remaining"], second.headers["x-ratelimit-remaining"]] == ["2", "1"]
    assert second.headers["x-ratelimit-limit"] == "3" and second.headers["x-ratelimit-used"] == "2"
    assert second.headers["x-ratelimit-resource"] == "core"
    assert int(second.headers["x-ratelimit-reset"]) > time.time()
    api.get(f"/repos/{REPO}")
    spent = api.get(f"/repos/{REPO}")
    assert spent.status_code == 403 and spent.headers["x-ratelimit-remaining"] == "0"
    assert spent.json()["message"].startswith("API rate limit exceeded")


@pytest.mark.parametrize("retry_after", [None, 3])
def test_secondary_rate_limit(github: GitHubStandIn, client: Client, retry_after: int | None) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    github.secondary_limit("POST", r"/pulls$", retry_after=retry_after)
    github.push(REPO, "topic", {"a": "a"})
    limited = api.post(f"/repos/{REPO}/pulls", json={"title": "t", "head": "topic", "base": "main"})
    assert limited.status_code == 403 and "secondary rate limit" in limited.json()["message"]
    assert limited.headers.get("retry-after") == (None if retry_after is None else str(retry_after))
    assert not github.pulls(REPO)  # the faulted request changed nothing
    again = api.post(f"/repos/{REPO}/pulls", json={"title": "t", "head": "topic", "base": "main"})
    assert again.status_code == 201


def test_429_502_and_primary_limit_faults(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    github.too_many("GET", r"^/repos/acme/api-tests$", retry_after=2)
    busy = api.get(f"/repos/{REPO}")
    assert (busy.status_code, busy.headers["retry-after"]) == (429, "2")
    github.bad_gateway("*", r"/git/ref/", times=2)
    codes = [api.get(f"/repos/{REPO}/git/ref/heads/main").status_code for _ in range(3)]
    assert codes == [502, 502, 200]
    github.exhaust("GET", r"", reset_in=1.0)
    out = api.get(f"/repos/{REPO}")
    assert out.status_code == 403 and out.headers["x-ratelimit-remaining"] == "0"
    assert 0 < int(out.headers["x-ratelimit-reset"]) - time.time() <= 2.1
    assert api.get(f"/repos/{REPO}").status_code == 200


def test_dropped_connection_then_success(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    github.drop_connection("POST", r"/git/blobs$", times=2)
    for _ in range(2):
        with pytest.raises(httpx.TransportError):
            api.post(f"/repos/{REPO}/git/blobs", json={"content": "x"})
    assert api.post(f"/repos/{REPO}/git/blobs", json={"content": "x"}).status_code == 201


def test_fault_matches_method_and_path_only(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    github.fail_next(
        "PATCH",
        r"/git/refs/heads/",
        500,
        body={"message": "boom", "documentation_url": "https://docs.github.com/rest"},
    )
    assert api.get(f"/repos/{REPO}/git/ref/heads/main").status_code == 200
    main = github.repo(REPO).branch("main")
    assert api.patch(f"/repos/{REPO}/git/refs/heads/main", json={"sha": main}).status_code == 500
    assert api.patch(f"/repos/{REPO}/git/refs/heads/main", json={"sha": main}).status_code == 200


def test_request_log_for_canary_searches(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    token = github.token_for("octocat")
    api = client(token)
    canary = "canary-" + secrets.token_hex(8)
    api.post(f"/repos/{REPO}/git/blobs", json={"content": canary})
    api.get(f"/repos/{REPO}/pulls", params={"head": f"acme:{canary}"})
    hits = github.requests_containing(canary)
    assert [(r.method, r.status) for r in hits] == [("POST", 201), ("GET", 200)]
    assert github.requests_containing(token) == []  # the credential travels in Authorization only
    assert all(r.headers["authorization"] == f"Bearer {token}" for r in github.requests)
