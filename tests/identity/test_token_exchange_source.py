"""The ``token-exchange`` source (RFC 8693) against a real OpenID provider that registers the grant:
a subject token from a file or from GitHub Actions' OIDC endpoint, each client authentication, and
one-line failures that say what to fix."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest

from agent.errors import EXIT_USAGE
from agent.identity.sources import open_source
from agent.identity.token import IdentityError
from agent.identity.token_exchange import TokenExchange
from tests.identity.exchange_kit import (  # noqa: F401 (fixtures)
    PUBLIC_ID,
    TTL,
    GitHubActions,
    Issuer,
    actions,
    issuer,
    provider,
    subject_file,
)
from tests.identity.oidc_kit import Clients, Provider, free_port

AUDIENCE = "http://127.0.0.1:9/"


def _source(provider: Provider, clients: Clients, auth: str = "secret", **over: object) -> TokenExchange:  # noqa: F811
    options: dict[str, object] = {"token_url": provider.token_url}
    if auth == "secret":
        options |= {"client_id": clients.secret_id, "client_secret_env": "PW_IDP_SECRET"}
    elif auth == "private_key_jwt":
        options |= {"client_id": clients.jwt_id, "private_key_file": clients.key_file}
    elif auth == "public":
        options |= {"client_id": PUBLIC_ID}
    source = open_source("token-exchange", **{**options, **over})
    assert isinstance(source, TokenExchange)
    return source


def _error(call: object) -> str:
    with pytest.raises(IdentityError) as caught:
        call()  # type: ignore[operator]
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_USAGE and "\n" not in message and "token-exchange" in message
    return message


@pytest.mark.parametrize(
    ("auth", "audience_param"),
    [("secret", None), ("private_key_jwt", None), ("public", None), ("secret", "resource")],
)
def test_a_file_subject_token_is_exchanged_for_the_audience_asked_for(
    provider: Provider,  # noqa: F811
    client_env: Clients,
    issuer: Issuer,  # noqa: F811
    tmp_path: Path,
    auth: str,
    audience_param: str | None,
) -> None:
    subject = issuer.mint(sub="system:serviceaccount:ci:pw-" + auth)
    over = {"audience_param": audience_param} if audience_param else {}
    source = _source(provider, client_env, auth, subject_token_file=subject_file(tmp_path, subject), **over)
    issued = source.token(AUDIENCE, ("read",))
    claims = jwt.decode(issued.value.get_secret_value(), options={"verify_signature": False})
    assert claims["aud"] == AUDIENCE and claims["iss"] == provider.issuer and issued.audience == (AUDIENCE,)
    # the access token is the provider's own, for the workload the subject token named
    assert issued.subject == claims["sub"] == "system:serviceaccount:ci:pw-" + auth
    assert issued.scopes == ("read",) and issued.value.get_secret_value() != subject
    assert issued.expires_at is not None and 0 < issued.expires_at.timestamp() - time.time() <= TTL + 1
    assert subject not in repr(source) + repr(issued) and client_env.secret not in repr(source)
    assert source.client_id == {"secret": client_env.secret_id, "private_key_jwt": client_env.jwt_id}.get(
        auth, PUBLIC_ID
    )


def test_the_file_is_read_again_for_every_exchange(
    provider: Provider,  # noqa: F811
    client_env: Clients,
    issuer: Issuer,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = subject_file(tmp_path, issuer.mint(sub="first"))
    source = _source(provider, client_env, subject_token_file=path)
    assert source.token(AUDIENCE, ()).subject == "first"
    subject_file(tmp_path, issuer.mint(sub="rotated"))  # the kubelet rotated it in place
    assert source.token(AUDIENCE, ()).subject == "rotated"


@pytest.mark.parametrize("asked", ["postwright-sts", None])
def test_github_actions_oidc_token_is_exchanged(
    provider: Provider,  # noqa: F811
    client_env: Clients,
    issuer: Issuer,  # noqa: F811
    actions: GitHubActions,  # noqa: F811
    asked: str | None,
) -> None:
    over = {"github_oidc_audience": asked} if asked else {}
    source = _source(provider, client_env, "private_key_jwt", github_oidc=True, **over)
    if asked is None:  # GitHub's default audience is not one the server trusts
        assert "refused the subject token from GitHub Actions" in _error(lambda: source.token(AUDIENCE, ()))
        assert actions.asked == [{"api-version": ["2.0"]}]
        return
    issued = source.token(AUDIENCE, ())
    assert issued.subject == "repo:postwright/postwright:ref:refs/heads/main"
    assert actions.asked == [{"api-version": ["2.0"], "audience": [asked]}] and actions.refused == 0
    source.token(AUDIENCE, ())  # asked again for every exchange: GitHub's tokens are short-lived
    assert len(actions.asked) == 2


def test_github_actions_failures(
    provider: Provider,  # noqa: F811
    client_env: Clients,
    actions: GitHubActions,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = _source(provider, client_env, github_oidc=True, github_oidc_audience="postwright-sts")
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "rt-wrong-" + actions.request_token[-4:])
    message = _error(lambda: source.token(AUDIENCE, ()))
    assert "refused the request (HTTP 401)" in message and "id-token: write" in message
    assert actions.request_token[-4:] not in message.replace(actions.url, "")
    monkeypatch.delenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    message = _error(lambda: source.token(AUDIENCE, ()))
    assert "ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set" in message and "id-token: write" in message
    monkeypatch.delenv("ACTIONS_ID_TOKEN_REQUEST_URL")
    message = _error(lambda: source.token(AUDIENCE, ()))
    assert "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set" in message
    actions.env(monkeypatch)
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", f"http://127.0.0.1:{free_port()}/t?api-version=2.0")
    assert "is unreachable" in _error(lambda: source.token(AUDIENCE, ()))
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "http://actions.example.test/t?api-version=2.0")
    assert "must be https" in _error(lambda: source.token(AUDIENCE, ()))  # the request token is a secret


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (None, "does not exist"),
        ("", "is empty"),
        ("\n  \n", "is empty"),
        ("not-a-jwt", "is not a JWT"),
        ("x" * (65 * 1024), "larger than 64 KiB"),
        (b"\xff\xfe", "is not text"),
    ],
)
def test_subject_token_file_problems_are_one_line(
    provider: Provider,  # noqa: F811
    client_env: Clients,
    tmp_path: Path,
    write: str | bytes | None,
    expected: str,
) -> None:
    path = tmp_path / "token"
    if isinstance(write, bytes):
        path.write_bytes(write)
    elif write is not None:
        path.write_text(write)
    message = _error(lambda: _source(provider, client_env, subject_token_file=path).token(AUDIENCE, ()))
    assert expected in message and str(path) in message


def test_a_folder_is_not_a_token_file(provider: Provider, client_env: Clients, tmp_path: Path) -> None:  # noqa: F811
    # tests run as root, so a 0000 file would still be read: a folder cannot be
    message = _error(lambda: _source(provider, client_env, subject_token_file=tmp_path).token(AUDIENCE, ()))
    assert "cannot be read" in message and str(tmp_path) in message


@pytest.mark.parametrize("ago", [1, 3600, 86400 * 30])
def test_an_expired_subject_token_is_refused_before_it_is_sent(
    client_env: Clients,
    issuer: Issuer,  # noqa: F811
    tmp_path: Path,
    ago: int,
) -> None:
    expired = issuer.mint(ttl=-ago)
    down = f"http://127.0.0.1:{free_port()}/token"  # were it sent, the error would say unreachable
    source = open_source(
        "token-exchange",
        token_url=down,
        subject_token_file=subject_file(tmp_path, expired),
        client_id=client_env.secret_id,
        client_secret_env="PW_IDP_SECRET",
    )
    message = _error(lambda: source.token(AUDIENCE, ()))
    assert "expired at" in message and "unverified" in message and "not sent" in message
    assert str(tmp_path / "token") in message and expired not in message


def test_the_server_refusing_names_the_fix(
    provider: Provider,  # noqa: F811
    clients: Clients,
    issuer: Issuer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PW_IDP_SECRET", clients.secret)
    good = subject_file(tmp_path, issuer.mint())
    # an audience the server does not know: invalid_target
    message = _error(
        lambda: _source(provider, clients, subject_token_file=good).token("urn:nobody:knows", ())
    )
    assert "does not know the audience 'urn:nobody:knows'" in message
    # subject tokens it does not trust: another issuer's key, another audience, another issuer
    for bad in (Issuer().mint(), issuer.mint(aud="someone-else"), issuer.mint(iss="https://other.test")):
        path = subject_file(tmp_path, bad)
        message = _error(lambda p=path: _source(provider, clients, subject_token_file=p).token(AUDIENCE, ()))
        assert f"refused the subject token from file {path}" in message and bad not in message
    # a wrong client secret: invalid_client, naming the variable and never the value
    wrong = "cs-" + clients.secret[::-1]
    monkeypatch.setenv("PW_IDP_SECRET", wrong)
    message = _error(lambda: _source(provider, clients, subject_token_file=good).token(AUDIENCE, ()))
    assert "client was refused" in message and "PW_IDP_SECRET" in message and wrong not in message
    # no client at all: this server wants one
    message = _error(lambda: _source(provider, clients, "none", subject_token_file=good).token(AUDIENCE, ()))
    assert "(invalid_request)" in message and "set client_id" in message
    # the server is down
    down = f"http://127.0.0.1:{free_port()}/token"
    monkeypatch.setenv("PW_IDP_SECRET", clients.secret)
    message = _error(
        lambda: _source(provider, clients, subject_token_file=good, token_url=down).token(AUDIENCE, ())
    )
    assert "unreachable" in message and "token_url" in message


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "subject_token_file or github_oidc = true"),
        ({"subject_token_file": Path("t"), "github_oidc": True}, "subject_token_file or github_oidc"),
        ({"subject_token_file": Path("t"), "github_oidc_audience": "a"}, "goes with github_oidc = true"),
        ({"github_oidc": True, "subject_token_type": "jwt"}, "is not a token type URI"),
        ({"github_oidc": True, "client_secret_env": "S"}, "client_id or client_id_env"),
        ({"github_oidc": True, "client_id": "a", "client_id_env": "A"}, "client_id or client_id_env"),
        (
            {"github_oidc": True, "client_id": "a", "client_secret_env": "S", "private_key_file": Path("k")},
            "one of them",
        ),
        ({"github_oidc": True, "token_url": "http://sts.example.test/token"}, "must be https"),
        ({"github_oidc": True, "subject_token": "x"}, "unexpected keyword"),
    ],
)
def test_incomplete_settings(options: dict[str, object], expected: str) -> None:
    message = _error(lambda: open_source("token-exchange", **{"token_url": "https://sts.test/t", **options}))
    assert expected in message
