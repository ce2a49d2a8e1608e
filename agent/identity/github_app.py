"""Token source ``github-app``: a GitHub App's installation token for one repository.

A JWT (RS256, ``iat`` 60 s in the past, ``exp`` 9 minutes ahead: GitHub refuses more than 10)
signed with the app's private key, read from an environment variable on each call and never
kept, finds the app's installation on the repository (``GET /repos/{o}/{r}/installation``) and
asks it for a token (``POST /app/installations/{id}/access_tokens``) narrowed to that repository
and to ``contents``, ``pull_requests`` and ``issues`` write. The token lives an hour; the
``TokenCache`` in front renews it before it ends and records every one in the identity audit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import jwt
from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed

from agent.identity.audit import one_line
from agent.identity.token import AccessToken, IdentityError

PERMISSIONS: Mapping[str, str] = {"contents": "write", "pull_requests": "write", "issues": "write"}
JWT_BACKDATE = 60  # seconds: GitHub's advice against clock drift
JWT_LIFE = 540  # seconds from now; with the backdate the JWT spans 10 minutes, GitHub's cap


def app_jwt(app_id: str, private_key: str, now: float) -> str:
    """The app's JWT for the moment ``now``."""
    claims = {"iat": int(now) - JWT_BACKDATE, "exp": int(now) + JWT_LIFE, "iss": app_id}
    try:
        return jwt.encode(claims, private_key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        # never the key's text: only that it is not an RSA private key
        raise IdentityError(
            f"token source 'github-app': the private key is not a PEM RSA key ({type(exc).__name__})"
        ) from None


@dataclass
class GitHubApp:
    """Installation tokens of app ``app_id`` on ``repo`` (owner/name) at ``api_url``."""

    app_id: str
    private_key_env: str
    repo: str
    api_url: str = "https://api.github.com"
    permissions: Mapping[str, str] = field(default_factory=lambda: dict(PERMISSIONS))
    clock: Callable[[], float] = time.time
    transport: httpx.BaseTransport | None = None
    name: str = "github-app"

    @property
    def client_id(self) -> str:
        """Names the app in the audit (``AuditEvent.client_id``)."""
        return f"github-app:{self.app_id}"

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        owner, _, repo = self.repo.partition("/")
        app = self._app()
        installation = app("GET", f"repos/{owner}/{repo}/installation", None, "find the installation")
        issued = app(
            "POST",
            f"app/installations/{installation['id']}/access_tokens",
            {"repositories": [repo], "permissions": dict(self.permissions)},
            "get an installation token",
        )
        value = issued.get("token")
        if not isinstance(value, str) or not value:
            raise IdentityError("token source 'github-app': GitHub answered without a token")
        expires = issued.get("expires_at")
        granted = issued.get("permissions") or self.permissions
        return AccessToken(
            value=value,  # type: ignore[arg-type]  # pydantic makes the SecretStr
            expires_at=datetime.fromisoformat(expires.replace("Z", "+00:00"))
            if isinstance(expires, str)
            else None,
            subject=f"installation {installation['id']}",
            scopes=tuple(f"{k}:{v}" for k, v in sorted(granted.items())),
            audience=(audience,) if audience else (),
        )

    def bot_login(self) -> str:
        """``<slug>[bot]``: the login of the app's commits and comments."""
        return f"{self._app()('GET', 'app', None, 'read the app')['slug']}[bot]"

    def _app(self) -> Callable[[str, str, Any, str], dict[str, Any]]:
        """Calls authenticated as the app: one JWT (it lives 9 minutes), made before any request so
        a bad key is its own one-line error; the key is read now and kept by nothing."""
        key = os.environ.get(self.private_key_env, "")
        if not key.strip():
            raise IdentityError(
                f"token source 'github-app': environment variable {self.private_key_env} is not set"
                " (it should hold the app's private key, PEM)"
            )
        headers = {"Authorization": f"Bearer {app_jwt(self.app_id, key, self.clock())}"}
        gh: GitHub[Any] = GitHub(
            base_url=self.api_url.rstrip("/") + "/",
            user_agent="postwright",
            auto_retry=False,
            http_cache=False,
            follow_redirects=False,
            transport=self.transport,
        )
        return lambda method, url, body, what: self._call(gh, method, url, body, what, headers)

    @staticmethod
    def _call(
        gh: GitHub[Any], method: str, url: str, body: Any, what: str, headers: dict[str, str]
    ) -> dict[str, Any]:
        try:
            answer = gh.request(method, url, json=body, headers=headers).json()
        except RequestFailed as exc:
            response = exc.response.raw_response
            try:
                said = response.json().get("message", "")
            except (ValueError, AttributeError):
                said = ""
            why = f"{response.status_code} {one_line(str(said), 200)}".rstrip()
            raise IdentityError(f"token source 'github-app': cannot {what}: {why}") from None
        except GitHubException as exc:
            raise IdentityError(f"token source 'github-app': cannot {what}: {type(exc).__name__}") from None
        if not isinstance(answer, dict):
            raise IdentityError(f"token source 'github-app': cannot {what}: an unexpected answer")
        return answer
