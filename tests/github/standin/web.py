"""Requests, replies, routing and pagination of the stand-in (no state of its own)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.github.standin import shapes
from tests.github.standin.hub import App, Hub, Repo, Token


@dataclass
class Request:
    """One request, parsed; ``token`` is set once authentication passed."""

    hub: Hub
    api: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    token: Token | None = None
    app: App | None = None  # set instead of ``token`` on the routes an app's JWT calls

    def json(self) -> Any:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            raise Fail(400, shapes.error("Problems parsing JSON", status=400)) from None

    def repo(self) -> Repo:
        """The repository of the path, visible to the token (404 as GitHub answers otherwise)."""
        found = self.hub.repo(self.params["owner"], self.params["repo"])
        visible = self.token is None or self.token.repositories is None
        if found is not None and not visible:
            assert self.token is not None and self.token.repositories is not None
            visible = found.full_name.lower() in self.token.repositories
        if found is None or not visible:
            raise Fail(404, shapes.error("Not Found", f"{shapes.DOCS}/repos/repos#get-a-repository", 404))
        return found

    def need(self, *permissions: str) -> None:
        """Refuse an installation token with none of ``permissions`` as write (403, as GitHub)."""
        if self.token is None or self.token.installation is None:
            return
        if all(self.token.permissions.get(p) != "write" for p in permissions):
            raise Fail(403, shapes.error("Resource not accessible by integration", status=403))


@dataclass
class Reply:
    """A response to send: status, JSON body (None: empty) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


class Fail(Exception):
    """A GitHub error reply raised from inside a handler."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.reply = Reply(status, body, headers or {})


def validation_failed(message: str, *errors: dict[str, Any], docs: str = shapes.DOCS) -> Fail:
    """422 as GitHub sends it (validation-error)."""
    extra: dict[str, Any] = {"errors": list(errors)} if errors else {}
    return Fail(422, shapes.error(message, docs, 422, **extra))


def not_found(docs: str = shapes.DOCS) -> Fail:
    return Fail(404, shapes.error("Not Found", docs, 404))


Handler = Callable[[Request], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: str  # "token" | "jwt"


class Router:
    """Routes by method and a path template (``{name}`` one segment, ``{name+}`` the rest)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler, auth: str = "token") -> None:
        def group(m: re.Match[str]) -> str:
            name = m.group(1)
            return f"(?P<{name[:-1]}>.+)" if name.endswith("+") else f"(?P<{name}>[^/]+)"

        pattern = re.compile("^" + re.sub(r"\{(\w+\+?)\}", group, template) + "/?$")
        self.routes.append(Route(method, pattern, handler, auth))

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for the request line; a known path with another method is a 404 like GitHub's."""
        for route in self.routes:
            m = route.pattern.match(path)
            if m and route.method == method:
                return route, m.groupdict()
        return None


def paginate(request: Request, items: list[Any]) -> Reply:
    """One page of ``items`` with GitHub's ``Link`` header (per_page ≤ 100, default 30)."""
    try:
        per_page = max(1, min(100, int(request.query.get("per_page", "30"))))
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        raise validation_failed("Validation Failed") from None
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]

    def link(number: int) -> str:
        query = {**request.query, "per_page": str(per_page), "page": str(number)}
        return f"<{request.api}{request.path}?{urlencode(query)}>"

    rels = [f'{link(page - 1)}; rel="prev"'] if page > 1 else []  # GitHub's order: prev, next, last, first
    if page < last:
        rels += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
    if page > 1:
        rels.append(f'{link(1)}; rel="first"')
    return Reply(200, chunk, {"Link": ", ".join(rels)} if rels else {})
