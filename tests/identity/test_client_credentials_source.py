"""The ``client-credentials`` source against a real OpenID provider: a secret, a private key, and
one-line failures that say what to fix."""

from __future__ import annotations

import os
import time
from pathlib import Path

import jwt
import pytest

from agent.errors import EXIT_USAGE
from agent.identity.client_credentials import ClientCredentials
from agent.identity.sources import open_source
from agent.identity.token import IdentityError
from tests.identity.oidc_kit import ELSEWHERE, MISMATCH, Clients, Provider, free_port

AUDIENCE = "http://127.0.0.1:9/"


def _secret_source(provider: Provider, clients: Clients, **over: object) -> ClientCredentials:
    options: dict[str, object] = {
        "token_url": provider.token_url,
        "client_id": clients.secret_id,
        "client_secret_env": "PW_IDP_SECRET",
    }
    source = open_source("client-credentials", **{**options, **over})
    assert isinstance(source, ClientCredentials)
    return source


def _key_source(provider: Provider, clients: Clients, **over: object) -> ClientCredentials:
    options: dict[str, object] = {
        "token_url": provider.token_url,
        "client_id": clients.jwt_id,
        "private_key_file": clients.key_file,
    }
    source = open_source("client-credentials", **{**options, **over})
    assert isinstance(source, ClientCredentials)
    return source


@pytest.mark.parametrize("kind", ["secret", "private_key_jwt"])
def test_tokens_are_jwts_for_the_audience_asked_for(
    provider: Provider, client_env: Clients, kind: str
) -> None:
    source = (_secret_source if kind == "secret" else _key_source)(provider, client_env)
    issued = source.token(AUDIENCE, ("read",))
    claims = jwt.decode(issued.value.get_secret_value(), options={"verify_signature": False})
    assert claims["aud"] == AUDIENCE and issued.audience == (AUDIENCE,)
    client = client_env.secret_id if kind == "secret" else client_env.jwt_id
    assert issued.subject == claims["sub"] == client and issued.scopes == ("read",)
    assert issued.expires_at is not None and 0 < issued.expires_at.timestamp() - time.time() <= 7
    assert issued.value.get_secret_value() not in repr(issued) + repr(source)


def _error(call: object) -> str:
    with pytest.raises(IdentityError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.exit_code == EXIT_USAGE and "\n" not in str(caught.value)
    assert "client-credentials" in str(caught.value)
    return str(caught.value)


def test_a_wrong_secret_and_an_unknown_client_name_the_fix(
    provider: Provider, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "cs-" + os.urandom(12).hex()
    monkeypatch.setenv("PW_IDP_SECRET", wrong)
    message = _error(lambda: _secret_source(provider, clients).token(AUDIENCE, ()))
    assert "client was refused" in message and "PW_IDP_SECRET" in message and wrong not in message
    monkeypatch.setenv("PW_IDP_SECRET", clients.secret)
    message = _error(lambda: _secret_source(provider, clients, client_id="nobody").token(AUDIENCE, ()))
    assert "'nobody'" in message and "client was refused" in message and clients.secret not in message
    monkeypatch.delenv("PW_IDP_SECRET")
    assert "PW_IDP_SECRET is not set" in _error(lambda: _secret_source(provider, clients).token(None, ()))


def test_a_key_the_server_does_not_know_is_refused(
    provider: Provider, clients: Clients, tmp_path: Path
) -> None:
    other = Clients(tmp_path)  # a fresh key pair the provider never saw
    message = _error(
        lambda: _key_source(provider, clients, private_key_file=other.key_file).token(AUDIENCE, ())
    )
    assert "public key" in message and str(other.key_file) in message


def test_an_unknown_audience_and_a_server_that_is_down(provider: Provider, client_env: Clients) -> None:
    message = _error(lambda: _secret_source(provider, client_env).token("urn:nobody:knows", ()))
    assert "does not know the audience 'urn:nobody:knows'" in message
    down = f"http://127.0.0.1:{free_port()}/token"
    message = _error(lambda: _secret_source(provider, client_env, token_url=down).token(AUDIENCE, ()))
    assert "unreachable" in message and "token_url" in message


def test_a_mismatched_audience_is_reported_as_issued(provider: Provider, client_env: Clients) -> None:
    # The provider maps this indicator to another audience: the token says so, and TargetToken refuses it.
    assert _secret_source(provider, client_env).token(MISMATCH, ()).audience == (ELSEWHERE,)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing.pem", "does not exist"),
        (lambda d: d, "cannot be read"),  # a folder (tests run as root: a 0000 file would still read)
        (lambda d: (d / "x.pem").write_text("not a key") and d / "x.pem", "not an unencrypted PEM"),
        (lambda d: (d / "pub.pem").write_bytes(_public_pem()) and d / "pub.pem", "not an unencrypted PEM"),
    ],
)
def test_key_file_problems_are_one_line(
    provider: Provider, clients: Clients, tmp_path: Path, make: object, expected: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    message = _error(lambda: _key_source(provider, clients, private_key_file=path).token(AUDIENCE, ()))
    assert expected in message and str(path) in message


def _public_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"token_url": "http://127.0.0.1:9/t", "client_id": "a"}, "client_secret_env or private_key_file"),
        (
            {"token_url": "u", "client_id": "a", "client_secret_env": "S", "private_key_file": Path("k")},
            "one of them",
        ),
        ({"token_url": "u", "client_secret_env": "S"}, "client_id or client_id_env"),
        ({"token_url": "u", "client_id": "a", "client_secret_env": "S", "secret": "x"}, "unexpected keyword"),
    ],
)
def test_incomplete_client_settings(options: dict[str, object], expected: str) -> None:
    assert expected in _error(lambda: open_source("client-credentials", **options))


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://idp.example.test/token", True),
        ("http://127.0.0.1:8080/token", True),
        ("http://localhost/token", True),
        ("http://[::1]:9/token", True),
        ("http://idp.example.test/token", False),
        ("http://10.0.0.1/token", False),
        ("ftp://idp.example.test/token", False),
        ("idp.example.test/token", False),
    ],
)
def test_secrets_go_to_the_token_endpoint_over_https_only(url: str, allowed: bool) -> None:
    options = {"token_url": url, "client_id": "a", "client_secret_env": "S"}
    if allowed:
        assert open_source("client-credentials", **options).name == "client-credentials"
    else:
        assert "must be https" in _error(lambda: open_source("client-credentials", **options))


def test_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(IdentityError, match="use one of env, client-credentials"):
        open_source("kerberos")
