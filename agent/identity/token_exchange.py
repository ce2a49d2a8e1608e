"""Token source ``token-exchange``: OAuth 2.0 Token Exchange (RFC 8693) through authlib.

A subject token the workload already has — a file (a Kubernetes projected service-account token, a
workload identity token) or GitHub Actions' OIDC token — is exchanged at the user's authorization
server for an access token for one audience. The client authenticates as for client credentials
(a secret from the environment, ``private_key_jwt``) or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.identity import subject
from agent.identity.oauth import OAuthClient
from agent.identity.token import AccessToken, IdentityError, peek_claims

NAME = "token-exchange"
GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
JWT = "urn:ietf:params:oauth:token-type:jwt"


@dataclass(frozen=True)
class TokenExchange:
    """Where the subject token comes from and the client that exchanges it; paths and names of
    environment variables only, never a token's or a secret's value."""

    token_url: str
    subject_token_file: Path | None = None
    github_oidc: bool = False  # the subject token is GitHub Actions' OIDC token
    github_oidc_audience: str | None = None  # the audience asked of GitHub (what the server expects)
    subject_token_type: str = JWT
    requested_token_type: str | None = None
    client_id: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    private_key_file: Path | None = None
    audience_param: str = "audience"  # RFC 8693 `audience`; `resource` for a URI (RFC 8707)
    timeout: float = 15.0
    name: str = NAME

    def __post_init__(self) -> None:
        if (self.subject_token_file is None) == (not self.github_oidc):
            raise IdentityError(
                f"token source '{NAME}': set subject_token_file or github_oidc = true (one of them)"
            )
        if self.github_oidc_audience is not None and not self.github_oidc:
            raise IdentityError(f"token source '{NAME}': github_oidc_audience goes with github_oidc = true")
        if ":" not in self.subject_token_type:
            raise IdentityError(
                f"token source '{NAME}': subject_token_type {self.subject_token_type!r} is not a token"
                f" type URI (e.g. {JWT})"
            )
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
            public=True,
        )

    def _subject(self) -> tuple[str, str]:
        """The subject token, read now (files rotate), and where it came from."""
        if self.subject_token_file is not None:
            origin = f"file {self.subject_token_file}"
            value = subject.from_file(NAME, self.subject_token_file)
        else:
            origin = "GitHub Actions"
            value = subject.from_github_actions(NAME, self.github_oidc_audience, self.timeout)
        subject.check(NAME, value, self.subject_token_type, origin)
        return value, origin

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        value, origin = self._subject()
        params: dict[str, Any] = {"subject_token": value, "subject_token_type": self.subject_token_type}
        if audience:
            params[self.audience_param] = audience
        if scopes:
            params["scope"] = " ".join(scopes)
        if self.requested_token_type:
            params["requested_token_type"] = self.requested_token_type
        client = self._client()
        answer, client_id = client.request(
            GRANT,
            params,
            audience=audience,
            explain={
                "invalid_grant": f"the server refused the subject token from {origin} (expired, or"
                " not from an issuer and for an audience it trusts); check the server's trust"
                " settings and the token's issuer and audience",
                "unauthorized_client": "the client may not use the token-exchange grant; enable it"
                " at the server",
                "invalid_request": "the server refused the request (invalid_request); if it wants to"
                " know the client, set client_id (and client_secret_env or private_key_file)",
                "unsupported_grant_type": "the server does not offer token exchange (RFC 8693);"
                " check token_url",
            },
        )
        sub = peek_claims(value).get("sub")
        return client.issued(answer, audience, scopes, sub if isinstance(sub, str) else client_id)
