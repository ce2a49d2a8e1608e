"""GitHub REST calls through githubkit with the manners of a good bot: rate limits, retries, a fresh token.

- ``retry-after`` is honoured; ``x-ratelimit-remaining: 0`` waits until ``x-ratelimit-reset``; a
  secondary limit without either waits 60 s, doubling; every wait counts against ``max_wait``
  (``[publish] max_wait``), past which the call fails with one line instead of sleeping.
- 5xx answers and network errors are retried with backoff (1, 2, 4 … s), ``retries`` times.
- A 401 drops the token (``refused``) and the call is made once more with a new one (an app's
  installation token that expired mid-publish).
The clock and the sleep are parameters, so tests do not wait. githubkit's own retry sleeps on the
wall clock, so it is off and this loop decides.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from githubkit import GitHub
from githubkit.exception import RequestError, RequestFailed, RequestTimeout

from agent.errors import PublishFailed
from agent.identity.audit import one_line
from agent.identity.token import TokenCache

SCOPES = ("contents:write", "pull_requests:write", "issues:write")
MAX_PAGES = 50
SECONDARY_WAIT = 60.0  # GitHub: "wait at least one minute" when a secondary limit names no time
_MAX_LIMITED = 6  # rate-limit answers in a row before giving up, whatever max_wait allows


class Credentials(Protocol):
    """The bearer token for each request, and how to drop one GitHub refused."""

    def bearer(self) -> str: ...

    def refused(self) -> None: ...


class CachedToken:
    """Credentials from a ``TokenCache`` (audited there), for one API root."""

    def __init__(self, cache: TokenCache, api_url: str) -> None:
        self.cache, self.audience = cache, api_url

    def bearer(self) -> str:
        # a token that outlives the coming call by a margin: an app token is renewed before it ends
        return self.cache.token(self.audience, SCOPES, valid_for=120.0).value.get_secret_value()

    def refused(self) -> None:
        self.cache.refused(self.audience, SCOPES, reason="GitHub answered 401 Bad credentials")


class GitHubFailed(PublishFailed):
    """GitHub answered an error that retrying does not cure; ``message`` is GitHub's, one line."""

    def __init__(self, status: int, message: str, what: str) -> None:
        super().__init__(f"GitHub: cannot {what}: {status} {message}".rstrip())
        self.status, self.said = status, message


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    # a 422 says "Validation Failed" and puts what failed in errors[].message
    details = [e.get("message") for e in body.get("errors") or [] if isinstance(e, dict) and e.get("message")]
    return one_line(": ".join(str(m) for m in [body.get("message") or "", *details] if m), 300)


class Calls:
    """JSON calls on one GitHub API root, with waits, retries and token renewal."""

    def __init__(
        self,
        api_url: str,
        credentials: Credentials,
        *,
        max_wait: float = 900.0,
        retries: int = 4,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.credentials = credentials
        self.max_wait, self.retries = max_wait, retries
        self.clock, self.sleep = clock, sleep
        self.waited = 0.0  # seconds slept for rate limits and retries, over this object's life
        self.page_size = 100  # GitHub's largest
        # no auth strategy: the token is asked for before each request and set in its header, so an
        # identity failure is the source's own one-line error, not a "network error" to retry
        self._gh: GitHub[Any] = GitHub(
            base_url=self.api_url + "/",
            user_agent="postwright",
            auto_retry=False,
            http_cache=False,
            follow_redirects=False,  # a redirect must not carry the token elsewhere
            timeout=timeout,
            transport=transport,
        )

    def json(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
        absent_ok: bool = False,
    ) -> Any:
        """The decoded answer (None for a 404 when ``absent_ok``)."""
        response = self._send(method, path.lstrip("/"), params, json, what, absent_ok)
        if response is None:
            return None
        return response.json() if response.content else None

    def pages(self, path: str, *, what: str) -> list[dict[str, Any]]:
        """Every item of a listed resource, following ``Link: rel="next"`` on this API root only."""
        out: list[dict[str, Any]] = []
        url: str | None = path.lstrip("/")
        params: dict[str, Any] | None = {"per_page": self.page_size}
        for _ in range(MAX_PAGES):
            if url is None:
                return out
            response = self._send("GET", url, params, None, what, False)
            assert response is not None
            out += response.json()
            following = response.links.get("next", {}).get("url")
            if following and not following.startswith(self.api_url + "/"):
                raise PublishFailed(f"GitHub: cannot {what}: the next page is on another host")
            url, params = following, None
        raise PublishFailed(f"GitHub: cannot {what}: more than {MAX_PAGES} pages")

    def _send(
        self, method: str, url: str, params: dict[str, Any] | None, body: Any, what: str, absent_ok: bool
    ) -> httpx.Response | None:
        limited = failed = 0
        renewed = False
        while True:
            try:
                auth = {"Authorization": f"Bearer {self.credentials.bearer()}"}
                return self._gh.request(method, url, params=params, json=body, headers=auth).raw_response
            except RequestFailed as exc:
                response = exc.response.raw_response
                status, message = response.status_code, _message(response)
                if status == 404 and absent_ok:
                    return None
                if status == 401 and not renewed:
                    self.credentials.refused()
                    renewed = True
                    continue
                wait = self._limit_wait(response, message, limited)
                if wait is not None:
                    limited += 1
                    self._wait(wait, what, limited)
                    continue
                if status >= 500 and failed < self.retries:
                    failed += 1
                    self._wait(2.0 ** (failed - 1), what)
                    continue
                raise GitHubFailed(status, message, what) from None
            except (RequestError, RequestTimeout) as exc:
                if failed < self.retries:
                    failed += 1
                    self._wait(2.0 ** (failed - 1), what)
                    continue
                host = urlsplit(self.api_url).netloc
                raise PublishFailed(
                    f"GitHub: cannot {what}: {type(exc.exc).__name__} reaching {host}"
                ) from None

    def _limit_wait(self, response: httpx.Response, message: str, limited: int) -> float | None:
        """Seconds a rate-limit answer asks for; None when the answer is not one."""
        if response.status_code not in (403, 429):
            return None
        headers: Mapping[str, str] = response.headers
        if "retry-after" in headers:
            try:
                return max(0.0, float(headers["retry-after"]))
            except ValueError:
                return SECONDARY_WAIT * 2.0**limited
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            try:
                return max(0.0, float(headers["x-ratelimit-reset"]) - self.clock())
            except ValueError:
                return SECONDARY_WAIT * 2.0**limited
        if response.status_code == 429 or "rate limit" in message.lower():
            return SECONDARY_WAIT * 2.0**limited  # a secondary limit that names no time
        return None

    def _wait(self, seconds: float, what: str, limited: int = 0) -> None:
        if limited > _MAX_LIMITED or self.waited + seconds > self.max_wait:
            raise PublishFailed(
                f"GitHub: cannot {what}: rate limited, and waiting {seconds:.0f} s more would pass"
                f" [publish] max_wait = {self.max_wait:.0f} s; the proposals stay pending for the next run"
            )
        self.sleep(seconds)
        self.waited += seconds
