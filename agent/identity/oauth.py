"""What the OAuth2 token sources share: the client and how it proves itself at the token endpoint
(a secret from the environment, ``private_key_jwt`` from a PEM key file, or nothing), an https-only
endpoint, and one token request through authlib whose failures are one-line errors.

``client-credentials`` and ``token-exchange`` differ only in the grant and its parameters.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent.identity.token import AccessToken, IdentityError, from_value
from agent.urls import mask_url, split_url


@dataclass(frozen=True)
class OAuthClient:
    """One client of one token endpoint; names of environment variables and a key file path, never
    their values. ``public``: the client may send no credential (a public client, or none at all)."""

    source: str  # the token source's name, for messages
    token_url: str
    client_id: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    private_key_file: Path | None = None
    timeout: float = 15.0
    public: bool = False
    # the secret itself, only from a store that hands it over at run time (an Airflow Connection)
    client_secret: SecretStr | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        given = (self.client_secret_env, self.private_key_file, self.client_secret)
        credential = any(g is not None for g in given)
        if sum(g is not None for g in given) > 1:
            raise IdentityError(f"{self._name}: set client_secret_env or private_key_file (one of them)")
        if not credential and not self.public:
            raise IdentityError(f"{self._name}: set client_secret_env or private_key_file (one of them)")
        if self.client_id is not None and self.client_id_env is not None:
            raise IdentityError(f"{self._name}: set client_id or client_id_env (one of them)")
        if credential and self.client_id is None and self.client_id_env is None:
            raise IdentityError(f"{self._name}: set client_id or client_id_env (one of them)")
        https_only(self.source, "token_url", self.token_url)

    @property
    def _name(self) -> str:
        return f"token source '{self.source}'"

    def request(
        self,
        grant_type: str,
        params: Mapping[str, Any],
        *,
        audience: str | None,
        explain: Mapping[str, str] | None = None,
    ) -> tuple[dict[str, Any], str | None]:
        """The token endpoint's answer to one grant request, and the client id used; ``explain``:
        what to fix for the grant's own error codes."""
        import httpx2
        from authlib.integrations.base_client.errors import OAuthError
        from authlib.integrations.httpx_client import OAuth2Client

        client_id = self.client_id or (
            env_value(self.source, self.client_id_env, "the client id") if self.client_id_env else None
        )
        auth, alg = self._auth(client_id)
        with OAuth2Client(client_id, timeout=self.timeout, **auth) as client:
            if alg is not None:
                from authlib.oauth2.rfc7523 import PrivateKeyJWT

                client.register_client_auth_method(PrivateKeyJWT(self.token_url, alg=alg))
            client.register_client_auth_method(("anonymous", _unchanged))
            try:
                answer = client.fetch_token(self.token_url, grant_type=grant_type, **params)
            except OAuthError as exc:
                raise IdentityError(self._refused(exc.error, client_id, audience, explain or {})) from None
            except httpx2.TimeoutException as exc:  # it took the connection, or not even that, and hung
                raise IdentityError(
                    f"{self._name}: the authorization server at {mask_url(self.token_url)} did not"
                    f" answer within {self.timeout:g} s ({type(exc).__name__}); check that it is up"
                    " and not overloaded"
                ) from None
            except httpx2.HTTPError as exc:
                raise IdentityError(
                    f"{self._name}: the authorization server at {mask_url(self.token_url)}"
                    f" is unreachable ({type(exc).__name__}); check token_url and that the server is up"
                ) from None
            except ValueError:
                raise IdentityError(
                    f"{self._name}: {mask_url(self.token_url)} did not answer with a token"
                    " (is token_url the token endpoint?)"
                ) from None
        return dict(answer), client_id

    def issued(
        self, answer: Mapping[str, Any], audience: str | None, scopes: tuple[str, ...], subject: str | None
    ) -> AccessToken:
        """The access token of a token endpoint's answer."""
        value = answer.get("access_token")
        if not isinstance(value, str) or not value:
            raise IdentityError(f"{self._name}: {mask_url(self.token_url)} gave no access_token")
        granted = tuple(str(answer.get("scope", "")).split()) or scopes
        return from_value(value, audience, granted, expires_in=answer.get("expires_in"), subject=subject)

    def _auth(self, client_id: str | None) -> tuple[dict[str, Any], str | None]:
        """authlib's client arguments (the secret or the private key, read now and held by no
        field of ours), and the assertion's algorithm for ``private_key_jwt``."""
        if self.client_secret_env is not None or self.client_secret is not None:
            secret = (
                self.client_secret.get_secret_value()
                if self.client_secret is not None
                else env_value(self.source, self.client_secret_env, "the client secret")
            )
            return {"client_secret": secret, "token_endpoint_auth_method": "client_secret_basic"}, None
        if self.private_key_file is not None:
            key, alg = private_key(self.source, self.private_key_file)
            return {"client_secret": key, "token_endpoint_auth_method": "private_key_jwt"}, alg
        # a public client names itself in the body; with no client id at all nothing is added
        return {"token_endpoint_auth_method": "none" if client_id else "anonymous"}, None

    def _refused(
        self, error: str | None, client_id: str | None, audience: str | None, explain: Mapping[str, str]
    ) -> str:
        """One line for an OAuth error answer, saying what to fix."""
        who = f", client {client_id!r}" if client_id else ""
        where = f"{self._name} ({mask_url(self.token_url)}{who})"
        if error is not None and error in explain:
            return f"{where}: {explain[error]}"
        if error == "invalid_client":
            if self.client_secret_env:
                how = f"check the secret in {self.client_secret_env}"
            elif self.client_secret is not None:
                how = "check the client secret where it is kept (an Airflow Connection's password)"
            elif self.private_key_file:
                how = f"check that the server knows the public key of {self.private_key_file}"
            else:
                how = "set client_id, and client_secret_env or private_key_file if the server wants them"
            return f"{where}: the client was refused (unknown client or wrong credentials); {how}"
        if error == "invalid_target":
            return f"{where}: the server does not know the audience {audience!r}; check the target's audience"
        if error == "invalid_scope":
            return f"{where}: a scope was refused; check the target's scopes"
        return f"{where}: the server refused the token request ({error or 'no error code'})"


def _unchanged(client: Any, method: str, uri: str, headers: Any, body: str) -> tuple[str, Any, str]:
    """authlib client authentication that adds nothing (a token endpoint that wants no client)."""
    return uri, headers, body


def https_only(source: str, key: str, url: str) -> None:
    """Refuse a URL that credentials would reach in clear text: https, or plain http on loopback."""
    parts = split_url(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback(parts.host)):
        raise IdentityError(
            f"token source '{source}': {key} {mask_url(url)} must be https (plain http only on loopback)"
        )


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def env_value(source: str, var: str | None, what: str) -> str:
    """An environment variable's value; a one-line error naming it when unset or empty."""
    value = os.environ.get(var or "", "")
    if not value:
        raise IdentityError(
            f"token source '{source}': environment variable {var} is not set (it holds {what})"
        )
    return value


def private_key(source: str, path: Path) -> tuple[Any, str]:
    """The PEM key file as a joserfc key, and its JWS algorithm; a one-line error when unusable."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from joserfc.jwk import ECKey, OKPKey, RSAKey

    where = f"token source '{source}': private key file {path}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IdentityError(f"{where} does not exist") from None
    except OSError as exc:
        raise IdentityError(f"{where} cannot be read ({exc.strerror})") from None
    try:
        loaded = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise IdentityError(f"{where} is not an unencrypted PEM private key") from None
    if isinstance(loaded, rsa.RSAPrivateKey):
        return RSAKey.import_key(data), "RS256"
    if isinstance(loaded, ec.EllipticCurvePrivateKey) and loaded.curve.name == "secp256r1":
        return ECKey.import_key(data), "ES256"
    if isinstance(loaded, ed25519.Ed25519PrivateKey):
        return OKPKey.import_key(data), "EdDSA"
    raise IdentityError(
        f"{where} holds a key type private_key_jwt does not use here (use RSA, EC P-256 or Ed25519)"
    )
