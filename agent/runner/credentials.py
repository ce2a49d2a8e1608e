"""Credentials for real targets, obtained at run time and never kept longer than a run."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import SecretStr

from agent.errors import UsageError
from agent.identity.sources import open_source
from agent.identity.token import AccessToken, IdentityError, TokenCache, peek_claims

MASK = "********"
PREFIX_MIN = 8  # a truncated copy this long or longer is still masked
CLOCK_LEEWAY = 60.0  # seconds a token may claim to start ahead of our clock (targets allow about this)


class CredentialProvider(Protocol):
    """Hands out a current bearer token; called once before every newman batch.

    ``valid_for``: seconds the token should stay valid (the length of the coming batch, as far
    as it can be guessed); ``refused``: the target answered 401 to it, so the next is a new one.
    """

    def token(self, valid_for: float = 0.0) -> str: ...

    def variables(self, token_var: str, valid_for: float = 0.0) -> dict[str, SecretStr | str]: ...

    def refused(self) -> None: ...

    def expires_at(self) -> float | None:
        """When the token last handed out expires (epoch seconds); None: unknown or none yet."""
        ...


@dataclass
class TargetToken:
    """One target's identity: a token source's tokens for the target's audience and scopes.

    A token whose own audience (a JWT's ``aud``) does not name the target's is refused before it
    is sent: a token for one audience never reaches another host. So is one the clocks make
    unusable: expired on arrival, or issued ahead of this machine's clock.
    """

    cache: TokenCache
    audience: str | None = None
    scopes: tuple[str, ...] = ()
    target: str = "the target"
    clock: Callable[[], float] = field(default=time.time, repr=False)
    _expires: float | None = field(default=None, init=False, repr=False)

    def token(self, valid_for: float = 0.0) -> str:
        return self.checked(valid_for).value.get_secret_value()

    def variables(self, token_var: str, valid_for: float = 0.0) -> dict[str, SecretStr | str]:
        """What the credential fills in the collection (``AccessToken.variables``; SecretStr ones
        are masked): ``token_var`` for a bearer token, the awsv4 variables for AWS credentials."""
        return self.checked(valid_for).variables(token_var)

    def checked(self, valid_for: float = 0.0) -> AccessToken:
        """The current token, once it passed the audience and clock checks."""
        issued = self.cache.token(self.audience, self.scopes, valid_for=valid_for)
        source = f"token source {self.cache.source.name!r}"
        if self.audience and issued.audience and self.audience not in issued.audience:
            wrong = f"issued for {', '.join(issued.audience)}, not for {self.audience!r}: not sent"
            self.cache.refused(self.audience, self.scopes, reason=wrong)  # audited, and never held
            raise IdentityError(
                f"{source} issued a token for {', '.join(issued.audience)},"
                f" not for {self.target}'s audience {self.audience!r}: it was not sent; check the"
                " authorization server's resource configuration"
            )
        value = issued.value.get_secret_value()
        self._expires = issued.expires_at.timestamp() if issued.expires_at else None
        held = getattr(self.cache.source, "env_var", None)  # a token someone else issued, kept there
        skew = _skew(value, self.clock(), held)
        if skew is not None:
            self.cache.refused(self.audience, self.scopes, reason=skew)  # a new one may be right later
            raise IdentityError(f"{source}: {skew}; it was not sent to {self.target}")
        return issued

    def refused(self) -> None:
        self.cache.refused(self.audience, self.scopes)

    def expires_at(self) -> float | None:
        return self._expires


def _skew(value: str, now: float, held_in: str | None = None) -> str | None:
    """Why a token just received cannot be used because of the clocks (its own ``exp``, ``nbf``
    or ``iat`` against ours), or None; a token's ``expires_in`` counts on our clock, so it never is.
    ``held_in``: the environment variable a token issued earlier was read from (expiry is its age)."""
    fix = "the clocks of this machine and the authorization server disagree; synchronise them (NTP)"
    claims = peek_claims(value)
    exp = claims.get("exp")
    if isinstance(exp, int | float) and exp <= now:
        if held_in:
            return f"the token in {held_in} expired {now - exp:.0f} s ago; put a fresh one there"
        return f"the token had expired {now - exp:.0f} s before it arrived: {fix}"
    starts = max((c for k in ("nbf", "iat") if isinstance(c := claims.get(k), int | float)), default=None)
    if starts is not None and starts > now + CLOCK_LEEWAY:
        return f"the token is valid only from {starts - now:.0f} s after it arrived: {fix}"
    return None


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
