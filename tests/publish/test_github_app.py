"""Token source ``github-app``: the app's JWT, an installation token narrowed to one repository,
renewed before it ends and when GitHub refuses it, audited, and never written anywhere."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import jwt
import pytest

from agent.errors import PublishFailed
from agent.identity.audit import AuditEvent
from agent.identity.github_app import JWT_BACKDATE, GitHubApp, app_jwt
from agent.identity.sources import HOST_SOURCES, open_host_source
from agent.identity.token import IdentityError, TokenCache
from agent.ports import ChangeSet
from agent.publish.github import GitHubAPI
from agent.publish.github_calls import SCOPES, CachedToken, Calls
from agent.publish.remote import RemotePublisher
from tests.github.standin.control import GitHubStandIn, pem_pair

REPO = "acme/api-tests"
PATH = "collections/orders.postman_collection.json"
KEY_ENV = "PW_TEST_APP_KEY"


def change_set(*names: str) -> ChangeSet:
    items = [
        {"id": f"pw-{n}", "name": n, "request": {"method": "GET", "url": f"{{{{base}}}}/{n}"}} for n in names
    ]
    return ChangeSet(
        key="k", title="t", collection={"info": {"name": "API"}, "item": items}, body="b", proposals=[]
    )


class Setup:
    def __init__(
        self, github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch, *, ttl: float = 3600.0
    ) -> None:
        self.github = github
        github.create_repo(REPO, files={PATH: json.dumps({"item": []})})
        github.create_repo("acme/other")
        self.app = github.register_app("postwright-test", owner="acme", token_ttl=ttl)
        github.install(self.app, "acme")
        self.pem = self.app.private_key_pem.decode()
        monkeypatch.setenv(KEY_ENV, self.pem)
        self.events: list[AuditEvent] = []
        self.offset = 0.0
        self.source = GitHubApp(str(self.app.id), KEY_ENV, REPO, api_url=github.url)
        self.cache = TokenCache(
            self.source, on_event=self.events.append, clock=lambda: time.time() + self.offset
        )

    def publisher(self) -> RemotePublisher:
        calls = Calls(self.github.url, CachedToken(self.cache, self.github.url), sleep=lambda s: None)
        return RemotePublisher(GitHubAPI(REPO, calls, login=self.source.bot_login), PATH)

    def held(self) -> str:
        return self.cache.token(self.github.url, SCOPES).value.get_secret_value()


@pytest.mark.parametrize("now", [1_700_000_000.0, 1_800_000_123.9])
def test_the_app_jwt_is_rs256_backdated_and_short(now: float) -> None:
    private, public = pem_pair()
    token = app_jwt("42", private.decode(), now)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(
        token, public, algorithms=["RS256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert claims["iss"] == "42" and claims["iat"] == int(now) - JWT_BACKDATE
    assert claims["exp"] - int(now) <= 600 and claims["exp"] - claims["iat"] <= 600


def test_github_app_is_a_host_identity() -> None:
    assert "github-app" in HOST_SOURCES
    source = open_host_source("github-app", app_id="1", private_key_env=KEY_ENV, repo=REPO)
    assert source.name == "github-app"


def test_the_installation_token_is_narrowed_to_one_repository(
    github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Setup(github, monkeypatch)
    token = s.source.token(github.url, SCOPES)
    (asked,) = [r for r in github.requests if r.path.endswith("/access_tokens")]
    assert json.loads(asked.body) == {
        "repositories": ["api-tests"],
        "permissions": {"contents": "write", "pull_requests": "write", "issues": "write"},
    }
    assert set(token.scopes) == {"contents:write", "pull_requests:write", "issues:write"}
    assert token.expires_at is not None and 3500 < token.expires_at.timestamp() - time.time() <= 3600
    assert github.hub.tokens[token.value.get_secret_value()].repositories == frozenset({REPO})


@pytest.mark.parametrize(
    ("breaks", "match"),
    [
        (lambda s, m: m.delenv(KEY_ENV), f"{KEY_ENV} is not set"),
        (lambda s, m: m.setenv(KEY_ENV, "not a key"), "not a PEM RSA key"),
        (lambda s, m: m.setenv(KEY_ENV, pem_pair()[0].decode()), "401"),  # another key: GitHub refuses
        (lambda s, m: setattr(s.source, "repo", "nobody/nothing"), "find the installation: 404"),
    ],
)  # fmt: skip
def test_a_broken_app_identity_is_one_line(
    github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch, breaks: Any, match: str
) -> None:
    s = Setup(github, monkeypatch)
    breaks(s, monkeypatch)
    with pytest.raises(IdentityError, match=match) as failed:
        s.source.token(github.url, SCOPES)
    assert "\n" not in str(failed.value) and "PRIVATE KEY" not in str(failed.value)


def test_publishing_as_the_app_and_renewing_its_token(
    github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Setup(github, monkeypatch)
    s.publisher().publish(change_set("a"))
    (pull,) = github.pulls(REPO)
    assert pull.user.login == "postwright-test[bot]"
    # our own commits are the bot's: a later run updates the branch instead of stopping
    assert s.publisher().publish(change_set("b")).created
    first = s.held()
    github.expire(first)  # the installation token ends mid-publish: GitHub answers 401
    assert s.publisher().publish(change_set("c")).created
    assert s.held() != first
    s.offset = 0.85 * 3600  # past 80% of its life: renewed before it ends
    s.publisher().publish(change_set("d"))
    assert [e.outcome for e in s.events] == ["issued", "refused", "issued", "refreshed"]
    assert {e.source for e in s.events} == {"github-app"} and all(e.fingerprint for e in s.events[:1])
    assert len(github.pulls(REPO)) == 1


def test_a_revoked_app_fails_publishing_in_one_line(
    github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Setup(github, monkeypatch)
    s.publisher().publish(change_set("a"))
    github.expire(s.held())
    monkeypatch.setenv(KEY_ENV, pem_pair()[0].decode())  # the app's key was rotated away
    with pytest.raises((PublishFailed, IdentityError), match="github-app") as failed:
        s.publisher().publish(change_set("b"))
    assert "\n" not in str(failed.value)


def test_the_key_and_tokens_go_nowhere_but_authorization(
    github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Setup(github, monkeypatch)
    s.publisher().publish(change_set("a"))
    github.expire(s.held())
    s.publisher().publish(change_set("b"))
    tokens = [t for t, held in github.hub.tokens.items() if held.user.login.endswith("[bot]")]
    key_lines = [line for line in s.pem.splitlines() if "PRIVATE KEY" not in line]
    assert len(tokens) == 2 and key_lines
    for secret in [*tokens, *key_lines]:
        assert github.requests_containing(secret) == []
    assert all(line not in r.text() for r in github.requests for line in key_lines)


def test_no_secret_in_any_log_record(
    github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Every logger at DEBUG through a publish with retries, a refused token and its renewal."""
    caplog.set_level(logging.DEBUG)
    s = Setup(github, monkeypatch)
    github.bad_gateway("POST", r"/git/blobs$")
    s.publisher().publish(change_set("a"))
    github.expire(s.held())
    github.secondary_limit("PATCH", r"/pulls/\d+$")
    s.publisher().publish(change_set("b"))
    tokens = [t for t, held in github.hub.tokens.items() if held.user.login.endswith("[bot]")]
    key_lines = [line for line in s.pem.splitlines() if "PRIVATE KEY" not in line]
    text = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records and len(tokens) == 2
    assert [secret for secret in [*tokens, *key_lines] if secret in text] == []
