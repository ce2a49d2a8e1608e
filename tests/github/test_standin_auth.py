"""Tokens and GitHub App JWTs are checked as GitHub checks them."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.github.conftest import Client
from tests.github.standin.control import GitHubStandIn, pem_pair
from tests.github.standin.hub import App

REPO = "acme/api-tests"


@pytest.mark.parametrize("scheme", ["Bearer", "token"])
def test_a_registered_token_in_either_scheme(github: GitHubStandIn, client: Client, scheme: str) -> None:
    github.create_repo(REPO)
    me = client(github.token_for("octocat"), scheme=scheme).get("/user")
    assert me.status_code == 200 and me.json()["login"] == "octocat"


@pytest.mark.parametrize("credential", ["unknown", "", "expired"])
def test_bad_credentials(github: GitHubStandIn, client: Client, credential: str) -> None:
    github.create_repo(REPO)
    token = github.token_for("octocat")
    if credential == "expired":
        github.expire(token)
    reply = client(token if credential == "expired" else credential or None).get(f"/repos/{REPO}")
    assert reply.status_code == 401
    expected = "Requires authentication" if credential == "" else "Bad credentials"
    assert reply.json()["message"] == expected and reply.json()["documentation_url"].startswith(
        "https://docs.github.com/"
    )


def _app(github: GitHubStandIn, ttl: float = 3600.0) -> tuple[App, int]:
    github.create_repo(REPO)
    github.create_repo("acme/other")
    app = github.register_app("postwright", owner="acme", token_ttl=ttl)
    return app, github.install(app, "acme").id


@pytest.mark.parametrize(("iat_offset", "life"), [(-60, 600), (-300, 850), (0, 600), (-30, 60)])
def test_app_jwts_github_accepts(github: GitHubStandIn, client: Client, iat_offset: int, life: int) -> None:
    app, _installation = _app(github)
    assert client(github.app_jwt(app, iat_offset=iat_offset, life=life)).get("/app").status_code == 200


def test_app_jwt_to_a_narrowed_installation_token(github: GitHubStandIn, client: Client) -> None:
    app, installation = _app(github)
    as_app = client(github.app_jwt(app))
    assert as_app.get("/app").json()["id"] == app.id
    assert as_app.get(f"/repos/{REPO}/installation").json()["id"] == installation
    asked = {"contents": "write", "metadata": "read"}
    made = as_app.post(
        f"/app/installations/{installation}/access_tokens",
        json={"repositories": ["api-tests"], "permissions": asked},
    )
    assert made.status_code == 201
    body = made.json()
    assert body["permissions"] == asked and [r["full_name"] for r in body["repositories"]] == [REPO]
    left = time.mktime(time.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())
    assert 3500 < left <= 3600
    bot = client(body["token"])
    assert bot.get(f"/repos/{REPO}").status_code == 200
    assert bot.get("/repos/acme/other").status_code == 404  # narrowed to one repository
    refused = bot.post(
        f"/repos/{REPO}/issues/1/comments", json={"body": "x"}
    )  # no issues/pull_requests: write
    assert refused.status_code == 403
    assert bot.get("/user").status_code == 403  # an installation is not a user


def test_installation_token_cannot_exceed_the_installation(github: GitHubStandIn, client: Client) -> None:
    app, installation = _app(github)
    as_app = client(github.app_jwt(app))
    url = f"/app/installations/{installation}/access_tokens"
    too_much = as_app.post(url, json={"permissions": {"administration": "write"}})
    assert too_much.status_code == 422 and "not granted" in too_much.json()["message"]
    unknown_repo = as_app.post(url, json={"repositories": ["nope"]})
    assert unknown_repo.status_code == 422
    assert as_app.post("/app/installations/999999/access_tokens", json={}).status_code == 404
    read_only = as_app.post(url, json={"permissions": {"contents": "read"}}).json()["token"]
    write = client(read_only).post(f"/repos/{REPO}/git/blobs", json={"content": "x"})
    assert write.status_code == 403 and write.json()["message"] == "Resource not accessible by integration"


def test_short_lived_installation_token_expires(github: GitHubStandIn, client: Client) -> None:
    app, installation = _app(github, ttl=1.0)
    token = (
        client(github.app_jwt(app))
        .post(f"/app/installations/{installation}/access_tokens", json={})
        .json()["token"]
    )
    assert client(token).get(f"/repos/{REPO}").status_code == 200
    time.sleep(1.1)
    gone = client(token).get(f"/repos/{REPO}")
    assert (gone.status_code, gone.json()["message"]) == (401, "Bad credentials")


def _hs256(app: App) -> str:
    # A JWT signed with HMAC (key made at run time): GitHub takes RS256 only.
    now = int(time.time())
    return jwt.encode({"iat": now - 60, "exp": now + 500, "iss": str(app.id)}, "k" * 32, algorithm="HS256")


BAD_JWTS = {
    "wrong-key": (lambda g, a: g.app_jwt(a, key=pem_pair()[0]), "JWT signature invalid"),
    "exp-too-far": (lambda g, a: g.app_jwt(a, iat_offset=0, life=660), "too far in the future"),
    "expired": (lambda g, a: g.app_jwt(a, iat_offset=-700, life=600), "'Expiration time'"),
    "iat-in-future": (lambda g, a: g.app_jwt(a, iat_offset=120, life=300), "'Issued at'"),
    "unknown-issuer": (lambda g, a: g.app_jwt(a, iss="12"), "'Issuer'"),
    "hs256": (lambda g, a: _hs256(a), "could not be decoded"),
    "a-token-not-a-jwt": (lambda g, a: g.token_for("octocat"), "could not be decoded"),
}


@pytest.mark.parametrize("case", list(BAD_JWTS))
def test_bad_app_jwts_are_refused(github: GitHubStandIn, client: Client, case: str) -> None:
    app, installation = _app(github)
    make, message = BAD_JWTS[case]
    as_app = client(make(github, app))
    for reply in (
        as_app.get("/app"),
        as_app.post(f"/app/installations/{installation}/access_tokens", json={}),
    ):
        assert reply.status_code == 401 and message in reply.json()["message"], reply.text
