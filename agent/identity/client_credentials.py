"""Token source ``client-credentials``: OAuth2 client credentials (RFC 6749 4.4) through authlib.

The client proves itself with a secret read from an environment variable (``client_secret_basic``)
or with ``private_key_jwt`` (RFC 7523: an assertion signed by a PEM key file, no shared secret).
The audience is asked for as a resource indicator (RFC 8707 ``resource``, or ``audience_param``).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.identity.token import AccessToken, IdentityError, from_value
from agent.urls import mask_url, split_url

NAME = "client-credentials"


@dataclass(frozen=True)
class ClientCredentials:
    """One OAuth2 client; names of environment variables and a key file path, never their values."""

    token_url: str
    client_id: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    private_key_file: Path | None = None
    audience_param: str = "resource"
    timeout: float = 15.0
    name: str = NAME

    def __post_init__(self) -> None:
        if (self.client_secret_env is None) == (self.private_key_file is None):
            raise IdentityError(
                f"token source '{NAME}': set client_secret_env or private_key_file (one of them)"
            )
        if (self.client_id is None) == (self.client_id_env is None):
            raise IdentityError(f"token source '{NAME}': set client_id or client_id_env (one of them)")
        parts = split_url(self.token_url)
        if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.host)):
            # the client's secret or assertion would cross the network in clear text
            raise IdentityError(
                f"token source '{NAME}': token_url {mask_url(self.token_url)} must be https"
                " (plain http only on loopback)"
            )

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        import httpx2
        from authlib.integrations.base_client.errors import OAuthError
        from authlib.integrations.httpx_client import OAuth2Client

        client_id = self.client_id or _env(self.client_id_env, "the client id")
        params: dict[str, Any] = {}
        if scopes:
            params["scope"] = " ".join(scopes)
        if audience:
            params[self.audience_param] = audience
        auth, alg = self._auth()
        with OAuth2Client(client_id, timeout=self.timeout, **auth) as client:
            if alg is not None:
                from authlib.oauth2.rfc7523 import PrivateKeyJWT

                client.register_client_auth_method(PrivateKeyJWT(self.token_url, alg=alg))
            try:
                answer = client.fetch_token(self.token_url, grant_type="client_credentials", **params)
            except OAuthError as exc:
                raise IdentityError(self._refused(exc.error, client_id, audience)) from None
            except httpx2.HTTPError as exc:
                raise IdentityError(
                    f"token source '{NAME}': the authorization server at {mask_url(self.token_url)}"
                    f" is unreachable ({type(exc).__name__}); check token_url and that the server is up"
                ) from None
            except ValueError:
                raise IdentityError(
                    f"token source '{NAME}': {mask_url(self.token_url)} did not answer with a token"
                    " (is token_url the token endpoint?)"
                ) from None
        value = answer.get("access_token")
        if not isinstance(value, str) or not value:
            raise IdentityError(f"token source '{NAME}': {mask_url(self.token_url)} gave no access_token")
        granted = tuple(str(answer.get("scope", "")).split()) or scopes
        return from_value(value, audience, granted, expires_in=answer.get("expires_in"), subject=client_id)

    def _auth(self) -> tuple[dict[str, Any], str | None]:
        """authlib's client arguments (the secret or the private key, read now and held by no
        field of ours), and the assertion's algorithm for ``private_key_jwt``."""
        if self.client_secret_env is not None:
            secret = _env(self.client_secret_env, "the client secret")
            return {"client_secret": secret, "token_endpoint_auth_method": "client_secret_basic"}, None
        key, alg = _private_key(self.private_key_file)
        return {"client_secret": key, "token_endpoint_auth_method": "private_key_jwt"}, alg

    def _refused(self, error: str | None, client_id: str, audience: str | None) -> str:
        """One line for an OAuth error answer, saying what to fix."""
        where = f"token source '{NAME}' ({mask_url(self.token_url)}, client {client_id!r})"
        if error == "invalid_client":
            how = (
                f"check the secret in {self.client_secret_env}"
                if self.client_secret_env
                else f"check that the server knows the public key of {self.private_key_file}"
            )
            return f"{where}: the client was refused (unknown client or wrong credentials); {how}"
        if error == "invalid_target":
            return f"{where}: the server does not know the audience {audience!r}; check the target's audience"
        if error == "invalid_scope":
            return f"{where}: a scope was refused; check the target's scopes"
        if error == "unauthorized_client":
            return f"{where}: the client may not use the client_credentials grant; enable it at the server"
        return f"{where}: the server refused the token request ({error or 'no error code'})"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _env(var: str | None, what: str) -> str:
    value = os.environ.get(var or "", "")
    if not value:
        raise IdentityError(f"token source '{NAME}': environment variable {var} is not set (it holds {what})")
    return value


def _private_key(path: Path | None) -> tuple[Any, str]:
    """The PEM key file as a joserfc key, and its JWS algorithm; a one-line error when unusable."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from joserfc.jwk import ECKey, OKPKey, RSAKey

    assert path is not None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IdentityError(f"token source '{NAME}': private key file {path} does not exist") from None
    except OSError as exc:
        raise IdentityError(
            f"token source '{NAME}': private key file {path} cannot be read ({exc.strerror})"
        ) from None
    try:
        loaded = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise IdentityError(
            f"token source '{NAME}': private key file {path} is not an unencrypted PEM private key"
        ) from None
    if isinstance(loaded, rsa.RSAPrivateKey):
        return RSAKey.import_key(data), "RS256"
    if isinstance(loaded, ec.EllipticCurvePrivateKey) and loaded.curve.name == "secp256r1":
        return ECKey.import_key(data), "ES256"
    if isinstance(loaded, ed25519.Ed25519PrivateKey):
        return OKPKey.import_key(data), "EdDSA"
    raise IdentityError(
        f"token source '{NAME}': private key file {path} holds a key type private_key_jwt does not use"
        " here (use RSA, EC P-256 or Ed25519)"
    )
