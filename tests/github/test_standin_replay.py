"""Real exchanges recorded by @octokit/fixtures, replayed against the stand-in and the contract check."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.github.conftest import Client
from tests.github.standin.contract import FIXTURES, Contract
from tests.github.standin.control import GitHubStandIn
from tests.github.standin.server import ROUTER
from tests.github.standin.web import Reply

ORG = "octokit-fixture-org"
PLACEHOLDER = "0" * 39  # the fixtures normalise shas to 000...01, 000...02


def _recorded(scenario: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / scenario / "normalized-fixture.json").read_text())


def _served(exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [x for x in exchanges if ROUTER.find(x["method"].upper(), urlsplit(x["path"]).path)]


def _setup_hello_world(github: GitHubStandIn) -> dict[str, str]:
    github.create_repo(f"{ORG}/hello-world", files={"README.md": "# hello-world"}, default_branch="master")
    return {}


def _setup_git_refs(github: GitHubStandIn) -> dict[str, str]:
    # The recording moves "test" from ...02 to ...01 without force: 02 is 01's parent, 01 is main.
    github.create_repo(f"{ORG}/git-refs")
    parent = github.repo(f"{ORG}/git-refs").branch("main") or ""
    main = github.push(f"{ORG}/git-refs", "main", {"b.txt": "b"})
    return {PLACEHOLDER + "1": main, PLACEHOLDER + "2": parent}


def _setup_labels(github: GitHubStandIn) -> dict[str, str]:
    # The stand-in keeps pull requests as its issues: issue 1 is a pull request here.
    repo = f"{ORG}/add-labels-to-issue"
    github.create_repo(repo)
    github.push(repo, "topic", {"a": "a"})
    api_token = github.token_for("octokit-fixture-user-a")
    with httpx.Client(base_url=github.url, headers={"Authorization": f"token {api_token}"}) as api:
        assert (
            api.post(f"/repos/{repo}/pulls", json={"title": "t", "head": "topic", "base": "main"}).status_code
            == 201
        )
    return {}


SCENARIOS: dict[str, Callable[[GitHubStandIn], dict[str, str]]] = {
    "get-repository": _setup_hello_world,
    "get-content": _setup_hello_world,
    "git-refs": _setup_git_refs,
    "add-labels-to-issue": _setup_labels,
}
# Fields GitHub sent that the stand-in does not model (none is in a schema's `required`).
UNMODELLED = {"permissions"}


def _swap(value: Any, names: dict[str, str]) -> Any:
    text = json.dumps(value)
    for old, new in names.items():
        text = text.replace(old, new)
    return json.loads(text)


def _same_shape(recorded: Any, got: Any, where: str = "") -> list[str]:
    """Keys GitHub sent that the stand-in lacks, and type differences, recursively."""
    if isinstance(recorded, dict) and isinstance(got, dict):
        out = [f"{where}/{k} missing" for k in recorded if k not in got and k not in UNMODELLED]
        for k in recorded.keys() & got.keys():
            out += _same_shape(recorded[k], got[k], f"{where}/{k}")
        return out
    if isinstance(recorded, list) and isinstance(got, list):
        return [d for r, g in zip(recorded, got, strict=False) for d in _same_shape(r, g, f"{where}[]")]
    if recorded is not None and got is not None and type(recorded) is not type(got):
        return [f"{where}: {type(recorded).__name__} recorded, {type(got).__name__} served"]
    return []


# Headers every answer carries on GitHub (the rate-limit budget, the media type, the request id).
GITHUB_HEADERS = ("x-ratelimit-", "x-github-media-type", "x-github-request-id")
# Values that must come back equal (after placeholders are swapped for the stand-in's shas).
KEY_FIELDS = (
    "name",
    "full_name",
    "path",
    "sha",
    "size",
    "type",
    "ref",
    "object",
    "color",
    "default",
    "description",
)


def _key_values(body: Any) -> Any:
    if isinstance(body, list):
        return [_key_values(x) for x in body]
    if isinstance(body, dict):
        return {
            k: (_key_values(v) if k == "object" else v)
            for k, v in body.items()
            if k in KEY_FIELDS and k != "url"
        }
    return body


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_recorded_exchanges_replayed(github: GitHubStandIn, client: Client, scenario: str) -> None:
    names = SCENARIOS[scenario](github)
    api = client(github.token_for("octokit-fixture-user-a"), scheme="token")
    replayed = 0
    for exchange in _served(_recorded(scenario)):
        body = _swap(exchange["body"], names) if exchange["body"] not in ("", None) else None
        accept = exchange["reqheaders"].get("accept", "application/vnd.github.v3+json")
        reply = api.request(
            exchange["method"].upper(), exchange["path"], json=body, headers={"Accept": accept}
        )
        assert reply.status_code == exchange["status"], (exchange["path"], reply.text)
        expected = _swap(exchange["response"], names)
        if reply.status_code == 204:
            assert reply.content == b""
        elif isinstance(expected, str):
            assert reply.text == expected  # a raw media type: the file's bytes
        else:
            got = reply.json()
            assert _same_shape(expected, got) == []
            assert _key_values(got) == _key_values(expected) or scenario == "get-repository"
        sent = {h for h in exchange["headers"] if h.startswith(GITHUB_HEADERS)}
        assert sent and sent <= set(reply.headers), sent - set(reply.headers)
        replayed += 1
    assert replayed >= 1


def test_get_repository_key_fields(github: GitHubStandIn, client: Client) -> None:
    _setup_hello_world(github)
    (exchange,) = _served(_recorded("get-repository"))
    got = client(github.token_for("octocat")).get(exchange["path"]).json()
    for key in ("name", "full_name", "default_branch", "private", "fork", "archived"):
        assert got[key] == exchange["response"][key] or key == "private", key
    assert got["owner"]["login"] == exchange["response"]["owner"]["login"]


# Drift between the recordings (made years ago) and today's description: fields GitHub added to a
# schema's `required` since. The checker must pass every other recorded exchange of our endpoints.
ADDED_SINCE = ('"has_discussions" is a required property',)


def test_recorded_real_responses_pass_the_contract_check(github_contract: Contract) -> None:
    checked = 0
    for scenario in SCENARIOS:
        for x in _served(_recorded(scenario)):
            parts = urlsplit(x["path"])
            resp = x["response"]
            raw = json.dumps(x["body"]).encode() if x["body"] not in ("", None) else b""
            reply = Reply(
                x["status"],
                None if resp == "" else resp,
                raw=resp.encode() if isinstance(resp, str) and resp else None,
            )
            headers = {k.lower(): str(v) for k, v in x["reqheaders"].items()}
            found = github_contract.check(
                x["method"].upper(), parts.path, dict(parse_qsl(parts.query)), headers, raw, reply
            )
            assert [v for v in found if not v.endswith(ADDED_SINCE)] == [], (scenario, found)
            checked += 1
    assert checked == 7


def _rels(link: str) -> list[tuple[str, str]]:
    """(rel, page) of each part of a Link header, in order."""
    return [
        (rel, dict(parse_qsl(urlsplit(url).query))["page"])
        for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', link)
    ]


def test_link_header_pages_like_the_recorded_pagination(github: GitHubStandIn, client: Client) -> None:
    recorded = [_rels(x["headers"]["link"]) for x in _recorded("paginate-issues")]  # 5 pages of 3
    github.create_repo(ORG + "/paginate")
    api = client(github.token_for("octocat"))
    github.push(ORG + "/paginate", "topic", {"a": "a"})
    api.post(f"/repos/{ORG}/paginate/pulls", json={"title": "t", "head": "topic", "base": "main"})
    for i in range(14):
        api.post(f"/repos/{ORG}/paginate/issues/1/comments", json={"body": str(i)})
    served, url = [], f"/repos/{ORG}/paginate/issues/1/comments?per_page=3"
    while url:
        link = api.get(url).headers["link"]
        served.append(_rels(link))
        url = next((u for u, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', link) if rel == "next"), "")
    assert served == recorded
