"""A real OpenID provider (npm ``oidc-provider``) and a JWT-checking API, both on 127.0.0.1.

The provider's project is ``tests/identity/oidc`` (pinned, installed by ``make test``); its
signing key is made when it starts, the clients' secret and private key here at test time.
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT = Path(__file__).resolve().parent / "oidc"
INSTALL = "npm ci --prefix tests/identity/oidc --no-audit --no-fund"
ECHO = "http://127.0.0.1:"  # a resource indicator on loopback is its own audience
ELSEWHERE = "https://elsewhere.test/"  # the audience the provider gives the mismatch indicator
MISMATCH = "urn:postwright:test:mismatch"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def installed() -> str | None:
    """Why the provider cannot start, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (PROJECT / "node_modules" / "oidc-provider").is_dir():
        return f"the test OpenID provider is not installed (run `{INSTALL}` or `make test`)"
    return None


@dataclass
class Clients:
    """The two clients, made at test time: one with a secret, one with a private key (PEM file)."""

    folder: Path
    secret_id: str = "pw-secret-client"
    jwt_id: str = "pw-jwt-client"
    secret: str = field(default_factory=lambda: "cs" + secrets.token_urlsafe(32))
    key_file: Path = field(init=False)
    public_jwk: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_file = self.folder / "client-key.pem"
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.key_file.write_bytes(pem)
        self.key_file.chmod(0o600)
        self.public_jwk = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": "k1"}

    def canaries(self) -> list[str]:
        """Strings that must appear nowhere: the secret and every line of the private key's body."""
        body = [ln for ln in self.key_file.read_text().splitlines() if ln and not ln.startswith("-----")]
        return [self.secret, *body]

    def registered(self) -> list[dict[str, Any]]:
        common = {"grant_types": ["client_credentials"], "redirect_uris": [], "response_types": []}
        return [
            {
                **common,
                "client_id": self.secret_id,
                "client_secret": self.secret,
                "token_endpoint_auth_method": "client_secret_basic",
            },
            {
                **common,
                "client_id": self.jwt_id,
                "token_endpoint_auth_method": "private_key_jwt",
                "token_endpoint_auth_signing_alg": "RS256",
                "jwks": {"keys": [self.public_jwk]},
            },
        ]


class Provider:
    """``oidc-provider`` started on a free loopback port; ``ttl``: its access tokens' lifetime (s)."""

    def __init__(
        self,
        folder: Path,
        clients: Clients,
        ttl: int,
        exchange: dict[str, Any] | None = None,
        *,
        skew: int = 0,  # seconds the provider's clock is off (it stamps iat/exp with it)
    ) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.token_url = f"{self.issuer}/token"
        config = {
            "port": self.port,
            "ttl": ttl,
            "echo": [ECHO],
            "resources": {MISMATCH: ELSEWHERE},
            "clients": clients.registered(),
            "exchange": exchange,  # the RFC 8693 grant and the subject tokens it trusts (server.mjs)
            "skew": skew,
        }
        path = folder / "provider.json"
        path.write_text(json.dumps(config))
        self.log = (folder / "provider.log").open("w+")
        self.proc = subprocess.Popen(
            ["node", str(PROJECT / "server.mjs"), str(path)],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # "ready ISSUER" once it listens
        if not line.startswith("ready"):
            self.close()
            self.log.seek(0)
            raise RuntimeError(f"oidc-provider did not start: {self.log.read()[-500:]}")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class ResourceServer:
    """An API on 127.0.0.1 that answers 200 only to a bearer JWT the provider signed for its own
    audience and that has not expired; it records every token it was sent."""

    def __init__(self, provider: Provider, *, delay: float = 0.0) -> None:
        self.jwks = jwt.PyJWKClient(f"{provider.issuer}/jwks")
        self.issuer = provider.issuer
        self.delay = delay
        self.seen: list[str] = []  # every bearer token sent here
        self.accepted: list[str] = []
        self.refused: list[str] = []  # why each refused request was refused
        outer = self

        class _H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(outer.delay)
                status, body = outer.answer(str(self.headers.get("Authorization", "")))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.audience = f"{self.url}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, header: str) -> tuple[int, dict[str, Any]]:
        if not header.startswith("Bearer "):
            self.refused.append("no bearer token")
            return 401, {"error": "invalid_token"}
        token = header.removeprefix("Bearer ")
        self.seen.append(token)
        try:
            key = self.jwks.get_signing_key_from_jwt(token)
            jwt.decode(token, key.key, algorithms=["RS256"], audience=self.audience, issuer=self.issuer)
        except jwt.PyJWTError as exc:
            self.refused.append(type(exc).__name__)
            return 401, {"error": "invalid_token"}
        self.accepted.append(token)
        return 200, {"ok": True}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
