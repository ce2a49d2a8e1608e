"""Faults to inject and the request log: the part of the stand-in's helpers about failure."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from tests.github.standin import shapes
from tests.github.standin.hub import Fault, LoggedRequest
from tests.github.standin.server import DROP, Server

SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID."
)
RATE_DOCS = f"{shapes.DOCS}/overview/rate-limits-for-the-rest-api"


class Faults:
    """Fault injection and the request log, mixed into ``GitHubStandIn``."""

    server: Server  # set by GitHubStandIn

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` requests matching (``*`` any method) get this reply instead (after auth)."""
        reply = (
            body
            if body is not None
            else shapes.error("Server Error" if status >= 500 else "Fault", status=status)
        )
        with self.server.hub.lock:
            self.server.hub.faults.append(
                Fault(method.upper(), re.compile(path_regex), status, dict(headers or {}), reply, times)
            )

    def secondary_limit(self, method: str, path_regex: str, *, retry_after: int | None = None) -> None:
        """403 secondary rate limit, with ``retry-after`` or (as GitHub often does) without any header."""
        headers = {} if retry_after is None else {"retry-after": str(retry_after)}
        self.fail_next(
            method,
            path_regex,
            403,
            headers=headers,
            body=shapes.error(SECONDARY, f"{RATE_DOCS}#about-secondary-rate-limits", 403),
        )

    def too_many(self, method: str, path_regex: str, *, retry_after: int = 1) -> None:
        """429 with ``retry-after``."""
        body = shapes.error(SECONDARY, f"{RATE_DOCS}#about-secondary-rate-limits", 429)
        self.fail_next(method, path_regex, 429, headers={"retry-after": str(retry_after)}, body=body)

    def bad_gateway(self, method: str, path_regex: str, *, times: int = 1) -> None:
        """502 ``times`` times, then the real answer."""
        self.fail_next(method, path_regex, 502, body={"message": "Server Error"}, times=times)

    def drop_connection(self, method: str, path_regex: str, *, times: int = 1) -> None:
        """Close the connection without answering, ``times`` times (the client sees a network error)."""
        self.fail_next(method, path_regex, DROP, times=times)

    def exhaust(self, method: str, path_regex: str, *, reset_in: float = 1.0) -> None:
        """403 primary rate limit: ``x-ratelimit-remaining: 0`` with the reset ``reset_in`` seconds ahead."""
        reset = int(time.time() + reset_in) + 1
        headers = {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-used": "5000",
            "x-ratelimit-limit": "5000",
        }
        body = shapes.error("API rate limit exceeded for user ID 1.", RATE_DOCS, 403)
        self.fail_next(method, path_regex, 403, headers=headers, body=body)

    @property
    def requests(self) -> list[LoggedRequest]:
        return list(self.server.hub.log)

    def requests_containing(self, text: str) -> list[LoggedRequest]:
        """Logged requests carrying ``text`` in the path, query, body or a header other than Authorization."""
        return [r for r in self.requests if text in r.text(credential=False)]
