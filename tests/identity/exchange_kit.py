"""For token exchange tests: a workload identity issuer the provider trusts (its key made at test
time), the provider started with the RFC 8693 grant, and a stand-in for GitHub Actions' OIDC
endpoint on 127.0.0.1 that keeps GitHub's contract."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.identity.oidc_kit import Clients, Provider, installed
from tests.json_server import JsonHandler, serve

TTL = 15  # seconds an access token lives: short, yet past a loaded machine's slowest newman batch
PUBLIC_ID = "pw-public-client"  # a client that sends no credential (token_endpoint_auth_method none)


class Issuer:
    """Mints subject tokens as a cluster's service-account issuer or GitHub would: RS256 JWTs for
    the authorization server's audience; its key is made here, at test time."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issuer = "https://workload.issuer.test"
        self.audience = "postwright-sts"
        self.minted: list[str] = []  # every subject token made: canaries

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": "wl1", "alg": "RS256", "use": "sig"}]}

    def mint(
        self, *, sub: str = "system:serviceaccount:ci:postwright", ttl: float = 600, **claims: Any
    ) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "aud": self.audience, "sub": sub, "iat": now, "exp": int(now + ttl)}
        payload.update(claims)
        token = jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": "wl1"})
        self.minted.append(token)
        return token

    def config(self) -> dict[str, Any]:
        """server.mjs's ``exchange`` block: trust this issuer; a public client besides the kit's two."""
        public = {
            "client_id": PUBLIC_ID,
            "token_endpoint_auth_method": "none",
            "grant_types": [],
            "redirect_uris": [],
            "response_types": [],
        }
        return {"jwks": self.jwks(), "issuer": self.issuer, "audience": self.audience, "clients": [public]}


class GitHubActions:
    """GitHub Actions' OIDC token endpoint as a job sees it: ``ACTIONS_ID_TOKEN_REQUEST_URL`` (with
    ``api-version``) answers GET with ``&audience=…`` and ``Authorization: bearer <request token>``
    by ``{"count": 1, "value": JWT}``; any other request token is 401."""

    def __init__(self, issuer: Issuer) -> None:
        self.request_token = "rt" + secrets.token_urlsafe(24)
        self.asked: list[dict[str, list[str]]] = []  # the query of each accepted request
        self.refused = 0
        outer = self

        class _H(JsonHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                auth = str(self.headers.get("Authorization", ""))
                scheme, _, token = auth.partition(" ")
                if scheme.lower() != "bearer" or token != outer.request_token or "api-version" not in query:
                    outer.refused += 1
                    self.send_json(401, {"message": "Bad credentials"})
                    return
                outer.asked.append(query)
                aud = query.get("audience", ["https://github.com/postwright"])[0]
                claims: dict[str, Any] = {
                    "repository": "postwright/postwright",
                    "job_workflow_ref": "ci.yml@refs/heads/main",
                }
                value = issuer.mint(sub="repo:postwright/postwright:ref:refs/heads/main", aud=aud, **claims)
                self.send_json(200, {"count": 1, "value": value})

        self.server, root = serve(_H)
        self.url = f"{root}/_apis/token?api-version=2.0"

    def env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Set the two variables a job with ``permissions: id-token: write`` has."""
        monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", self.url)
        monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", self.request_token)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture(scope="module")
def provider(
    tmp_path_factory: pytest.TempPathFactory, clients: Clients, issuer: Issuer
) -> Iterator[Provider]:
    """The provider with the token-exchange grant (overrides conftest's for the modules that import it)."""
    why = installed()
    if why:
        pytest.skip(why)
    started = Provider(tmp_path_factory.mktemp("provider"), clients, TTL, exchange=issuer.config())
    yield started
    started.close()


@pytest.fixture
def actions(issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubActions]:
    stand_in = GitHubActions(issuer)
    stand_in.env(monkeypatch)
    yield stand_in
    stand_in.close()


def subject_file(folder: Path, token: str) -> Path:
    """A projected-token file as the kubelet writes it (0600, trailing newline)."""
    path = folder / "token"
    path.write_text(token + "\n")
    path.chmod(0o600)
    return path
