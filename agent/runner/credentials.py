"""Credentials for real targets, obtained at run time and never kept longer than a run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from agent.errors import UsageError
from agent.identity.sources import open_source
from agent.identity.token import IdentityError, TokenCache

MASK = "********"
PREFIX_MIN = 8  # a truncated copy this long or longer is still masked


class CredentialProvider(Protocol):
    """Hands out a current bearer token; called once before every newman batch.

    ``valid_for``: seconds the token should stay valid (the length of the coming batch, as far
    as it can be guessed); ``refused``: the target answered 401 to it, so the next is a new one.
    """

    def token(self, valid_for: float = 0.0) -> str: ...

    def refused(self) -> None: ...


@dataclass(frozen=True)
class TargetToken:
    """One target's identity: a token source's tokens for the target's audience and scopes.

    A token whose own audience (a JWT's ``aud``) does not name the target's is refused before it
    is sent: a token for one audience never reaches another host.
    """

    cache: TokenCache
    audience: str | None = None
    scopes: tuple[str, ...] = ()
    target: str = "the target"

    def token(self, valid_for: float = 0.0) -> str:
        issued = self.cache.token(self.audience, self.scopes, valid_for=valid_for)
        if self.audience and issued.audience and self.audience not in issued.audience:
            raise IdentityError(
                f"token source {self.cache.source.name!r} issued a token for {', '.join(issued.audience)},"
                f" not for {self.target}'s audience {self.audience!r}: it was not sent; check the"
                " authorization server's resource configuration"
            )
        return issued.value.get_secret_value()

    def refused(self) -> None:
        self.cache.refused(self.audience, self.scopes)


def target_token(
    kind: str,
    *,
    audience: str | None = None,
    scopes: tuple[str, ...] = (),
    target: str = "the target",
    **options: Any,
) -> TargetToken:
    """The provider for a target whose token comes from source ``kind`` (``identity.sources``)."""
    return TargetToken(TokenCache(open_source(kind, **options)), audience, tuple(scopes), target)


def provider_from(
    *,
    token_env: str | None = None,
    token_url: str | None = None,
    client_id_env: str | None = None,
    client_secret_env: str | None = None,
    scope: str | None = None,
) -> CredentialProvider | None:
    """The provider the ``[sandbox]`` settings or verify's flags name: a static token (source
    ``env``), OAuth2 client credentials (source ``client-credentials``), or none."""
    oauth = (token_url, client_id_env, client_secret_env)
    if any(oauth) and not all(oauth):
        raise UsageError("OAuth2 needs a token URL and the names of the client id and secret variables")
    if token_env and any(oauth):
        raise UsageError("use a static token or OAuth2 client credentials, not both")
    scopes = tuple(scope.split()) if scope else ()
    if token_url and client_id_env and client_secret_env:
        return target_token(
            "client-credentials",
            scopes=scopes,
            token_url=token_url,
            client_id_env=client_id_env,
            client_secret_env=client_secret_env,
        )
    return target_token("env", env_var=token_env) if token_env else None


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
