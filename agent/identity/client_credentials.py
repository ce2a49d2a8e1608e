"""Token source ``client-credentials``: OAuth2 client credentials (RFC 6749 4.4) through authlib.

The client proves itself with a secret read from an environment variable (``client_secret_basic``)
or with ``private_key_jwt`` (RFC 7523: an assertion signed by a PEM key file, no shared secret).
The audience is asked for as a resource indicator (RFC 8707 ``resource``, or ``audience_param``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent.identity.oauth import OAuthClient
from agent.identity.token import AccessToken

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
    client_secret: SecretStr | None = field(default=None, repr=False)  # from airflow-connection only

    def __post_init__(self) -> None:
        self._client()  # a client that cannot authenticate is refused now, not at its first token

    def _client(self) -> OAuthClient:
        return OAuthClient(
            NAME,
            self.token_url,
            client_id=self.client_id,
            client_id_env=self.client_id_env,
            client_secret_env=self.client_secret_env,
            private_key_file=self.private_key_file,
            timeout=self.timeout,
            client_secret=self.client_secret,
        )

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        params: dict[str, Any] = {}
        if scopes:
            params["scope"] = " ".join(scopes)
        if audience:
            params[self.audience_param] = audience
        client = self._client()
        answer, client_id = client.request(
            "client_credentials",
            params,
            audience=audience,
            explain={
                "unauthorized_client": "the client may not use the client_credentials grant;"
                " enable it at the server"
            },
        )
        return client.issued(answer, audience, scopes, client_id)
