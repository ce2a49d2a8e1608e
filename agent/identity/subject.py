"""Where a token exchange's subject token comes from: a file, read again for every exchange (the
kubelet rotates a projected service-account token in place), or GitHub Actions' OIDC endpoint.

A subject token whose ``exp`` (read unverified) has passed is refused here, before it is sent.
The token's value never appears in a message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from agent.identity.oauth import https_only
from agent.identity.token import IdentityError, peek_claims
from agent.urls import mask_url

MAX_BYTES = 64 * 1024  # no token is this long; a bigger file is the wrong file
JWT_TYPES = ("urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token")
GITHUB_URL = "ACTIONS_ID_TOKEN_REQUEST_URL"
GITHUB_TOKEN = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
GITHUB_FIX = "run it in a GitHub Actions job whose permissions include `id-token: write`"


def from_file(source: str, path: Path) -> str:
    """The token in ``path`` (surrounding whitespace dropped); one line naming the file when unusable."""
    where = f"token source '{source}': subject token file {path}"
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise IdentityError(
            f"{where} does not exist; mount the token there (e.g. a projected service-account token)"
            " or fix subject_token_file"
        ) from None
    except OSError as exc:
        raise IdentityError(f"{where} cannot be read ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise IdentityError(f"{where} is larger than {MAX_BYTES // 1024} KiB: it holds no token")
    try:
        value = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise IdentityError(f"{where} is not text: it holds no token") from None
    if not value:
        raise IdentityError(f"{where} is empty; whoever writes it (the kubelet, a sidecar) has not yet")
    return value


def from_github_actions(source: str, audience: str | None, timeout: float) -> str:
    """An ID token from GitHub Actions' OIDC endpoint (GET the request URL with ``audience``, the
    request token as a bearer; the answer is ``{"value": JWT}``)."""
    import httpx

    where = f"token source '{source}': GitHub Actions' OIDC token"
    url, request_token = os.environ.get(GITHUB_URL, ""), os.environ.get(GITHUB_TOKEN, "")
    missing = [name for name, value in ((GITHUB_URL, url), (GITHUB_TOKEN, request_token)) if not value]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise IdentityError(f"{where}: {' and '.join(missing)} {verb} not set; {GITHUB_FIX}")
    https_only(source, GITHUB_URL, url)
    try:
        # merged into the URL's own query (api-version=…): httpx's params= would replace it
        target = httpx.URL(url).copy_merge_params({"audience": audience} if audience else {})
        answer = httpx.get(
            target,
            headers={"Authorization": f"bearer {request_token}", "Accept": "application/json"},
            timeout=timeout,
        )
    except httpx.InvalidURL:
        raise IdentityError(f"{where}: {GITHUB_URL} is not a URL ({mask_url(url)})") from None
    except httpx.HTTPError as exc:
        raise IdentityError(f"{where}: {mask_url(url)} is unreachable ({type(exc).__name__})") from None
    if answer.status_code in (401, 403):
        raise IdentityError(
            f"{where}: {mask_url(url)} refused the request (HTTP {answer.status_code}); {GITHUB_FIX}"
        )
    if answer.status_code != 200:
        raise IdentityError(f"{where}: {mask_url(url)} answered HTTP {answer.status_code}")
    try:
        value = answer.json().get("value")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str) or not value:
        raise IdentityError(f'{where}: {mask_url(url)} did not answer with a token ({{"value": …}})')
    return value


def check(
    source: str, value: str, token_type: str, origin: str, *, clock: Callable[[], float] = time.time
) -> None:
    """Refuse a subject token that cannot be what it says, or whose ``exp`` has passed."""
    if token_type in JWT_TYPES and len(value.split(".")) != 3:
        raise IdentityError(
            f"token source '{source}': the subject token from {origin} is not a JWT;"
            " set subject_token_type if it is another kind of token"
        )
    exp = peek_claims(value).get("exp")
    if isinstance(exp, int | float) and not isinstance(exp, bool) and exp <= clock():
        when = datetime.fromtimestamp(exp, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        raise IdentityError(
            f"token source '{source}': the subject token from {origin} expired at {when} (its exp,"
            " read unverified), so it was not sent; whatever writes it must renew it, or this machine's"
            " clock is wrong"
        )
