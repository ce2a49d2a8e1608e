"""Credentials for real targets, obtained at run time and never kept longer than a run."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Protocol

from agent.errors import ConfigError, SourceUnreachable, UsageError

MASK = "********"
PREFIX_MIN = 8  # a truncated copy this long or longer is still masked


class CredentialProvider(Protocol):
    """Hands out a current bearer token; called once before every newman run.

    ``valid_for``: seconds the token should stay valid (the length of the coming run, as far
    as it can be guessed); a provider that knows its token's lifetime renews it earlier.
    """

    def token(self, valid_for: float = 0.0) -> str: ...


@dataclass(frozen=True)
class StaticToken:
    """A token read from an environment variable (its name is config; its value never is)."""

    env_var: str

    def token(self, valid_for: float = 0.0) -> str:
        value = os.environ.get(self.env_var, "")
        if not value:
            raise ConfigError(
                f"environment variable {self.env_var} is not set (it should hold the target's token)"
            )
        return value

    def __repr__(self) -> str:
        return f"StaticToken(env_var={self.env_var!r})"


@dataclass
class ClientCredentials:
    """OAuth2 client-credentials: id and secret from environment variables, token cached until near expiry."""

    token_url: str
    client_id_env: str
    client_secret_env: str
    scope: str | None = None
    skew: float = 5.0
    timeout: float = 15.0
    _token: str | None = field(default=None, repr=False)
    _expires: float = field(default=0.0, repr=False)

    def token(self, valid_for: float = 0.0) -> str:
        if self._token is None or time.monotonic() >= self._expires - self.skew - valid_for:
            self._token, lifetime = self._fetch()
            self._expires = time.monotonic() + lifetime
        return self._token

    def _fetch(self) -> tuple[str, float]:
        import httpx

        client_id = StaticToken(self.client_id_env).token()
        secret = StaticToken(self.client_secret_env).token()
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        try:
            resp = httpx.post(self.token_url, data=data, auth=(client_id, secret), timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise SourceUnreachable(
                f"token endpoint {self.token_url} unreachable: {type(exc).__name__}"
            ) from None
        if resp.status_code != 200:
            raise ConfigError(
                f"token endpoint {self.token_url} refused the client credentials (HTTP {resp.status_code})"
            )
        try:
            body = resp.json()
            access = str(body["access_token"])
            lifetime = float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError):
            raise SourceUnreachable(
                f"token endpoint {self.token_url} answered without an access_token"
            ) from None
        return access, lifetime


def provider_from(
    *,
    token_env: str | None = None,
    token_url: str | None = None,
    client_id_env: str | None = None,
    client_secret_env: str | None = None,
    scope: str | None = None,
) -> CredentialProvider | None:
    """The provider the options name: a static token, OAuth2 client credentials, or none."""
    oauth = (token_url, client_id_env, client_secret_env)
    if any(oauth) and not all(oauth):
        raise UsageError("OAuth2 needs a token URL and the names of the client id and secret variables")
    if token_env and any(oauth):
        raise UsageError("use a static token or OAuth2 client credentials, not both")
    if token_url and client_id_env and client_secret_env:
        return ClientCredentials(token_url, client_id_env, client_secret_env, scope=scope)
    return StaticToken(token_env) if token_env else None


class Masker:
    """Replaces every secret value it was told about with a fixed mask."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, value: str) -> None:
        # Very short values would mask ordinary words; tokens are never that short.
        if len(value) >= 4:
            self._secrets.add(value)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
            text = _mask_prefixes(text, secret)
        return text


def _mask_prefixes(text: str, secret: str) -> str:
    """Mask truncated copies too: chai shortens long values in messages ("ghp_8708…")."""
    head = secret[: min(PREFIX_MIN, len(secret))]
    out, start = [], 0
    while (pos := text.find(head, start)) != -1:
        end = pos + len(head)
        while end < len(text) and end - pos < len(secret) and text[end] == secret[end - pos]:
            end += 1
        out.append(text[start:pos] + MASK)
        start = end
    return "".join(out) + text[start:]
