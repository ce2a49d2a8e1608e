"""The contract check sees every exchange and catches what breaks api.github.com.json."""

from __future__ import annotations

import pytest

from tests.github.conftest import Client
from tests.github.standin.contract import Contract
from tests.github.standin.control import GitHubStandIn
from tests.github.standin.web import Reply

REPO = "acme/api-tests"


def test_every_exchange_is_checked(github: GitHubStandIn, github_contract: Contract, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    before = (github_contract.requests, github_contract.responses)
    api.get(f"/repos/{REPO}")
    api.get(f"/repos/{REPO}/git/ref/heads/main")
    api.get(f"/repos/{REPO}/contents/")
    assert (github_contract.requests, github_contract.responses) == (before[0] + 3, before[1] + 3)
    assert {
        "GET /repos/{owner}/{repo}/git/ref/{ref}",
        "GET /repos/{owner}/{repo}/contents/{path}",
    } <= github_contract.operations
    assert github_contract.take() == []


# A reply the stand-in could get wrong, one per class: a missing required field, a wrong type,
# a value outside an enum, a status the operation does not declare, an error body of the wrong shape.
WRONG = [
    ("GET", "/repos/acme/api-tests/pulls/1", Reply(200, {"number": 1}), "required"),
    (
        "GET",
        "/repos/acme/api-tests/git/ref/heads/main",
        Reply(200, {"ref": 1, "node_id": "x", "url": "u", "object": {}}),
        "not of type",
    ),
    ("GET", "/rate_limit", Reply(200, {"rate": {"limit": 1}, "resources": {}}), "required"),
    ("POST", "/repos/acme/api-tests/git/refs", Reply(418, {"message": "teapot"}), "not declared"),
    ("GET", "/repos/acme/api-tests", Reply(404, {"error": "gone"}), "message"),
]


@pytest.mark.parametrize(
    ("method", "path", "reply", "why"),
    WRONG,
    ids=["missing-field", "wrong-type", "nested-required", "undeclared-status", "error-shape"],
)
def test_a_wrong_response_is_caught(
    github_contract: Contract, method: str, path: str, reply: Reply, why: str
) -> None:
    found = github_contract.check(method, path, {}, {"authorization": "Bearer x"}, b"", reply)
    assert found and any(why in v for v in found), found


def test_an_injected_wrong_reply_fails_the_test(
    github: GitHubStandIn, github_contract: Contract, client: Client
) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    github.fail_next("GET", r"/pulls$", 200, body={"not": "a list"})
    api.get(f"/repos/{REPO}/pulls")
    found = github_contract.take()  # the `github` fixture would fail this test at teardown with these
    assert len(found) == 1 and "GET /repos/acme/api-tests/pulls -> 200" in found[0]


WRONG_REQUESTS = [
    ("POST", "/repos/acme/api-tests/pulls", {"head": "x", "base": "main", "title": 5}, "request body"),
    ("POST", "/repos/acme/api-tests/git/refs", {"sha": "abc"}, "request body"),
    (
        "POST",
        "/repos/acme/api-tests/git/trees",
        {"tree": [{"path": "a", "mode": "100700", "type": "blob"}]},
        "request body",
    ),
    ("GET", "/repos/acme/api-tests/pulls?state=merged", None, "query parameter 'state'"),
    ("GET", "/repos/acme/api-tests/no/such/endpoint", None, "no operation"),
]


@pytest.mark.parametrize(
    ("method", "target", "body", "why"),
    WRONG_REQUESTS,
    ids=["body-type", "body-required", "body-enum", "query-enum", "unknown-path"],
)
def test_a_wrong_request_is_caught(
    github: GitHubStandIn,
    github_contract: Contract,
    client: Client,
    method: str,
    target: str,
    body: object,
    why: str,
) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    api.request(method, target, json=body)
    found = github_contract.take()
    assert any(why in v for v in found), found
