"""Which variables a script may set and read, worked out from the requests around it.

A variable that reaches a request's host (``baseUrl``, ``{{tenant}}.api…``), any header or any
auth block is *protected*: a script that sets it could send the next request, credentials
and all, somewhere else or with other credentials. Path and query variables are settable:
their values land inside a segment of a ``{{baseUrl}}`` URL. Variables in auth blocks and
credential headers or query parameters are *secret*: a script may not read them either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from agent.boundary.outbound.request import credential_field

BASE_URL_VAR = "baseUrl"
_AUTHORITY_END = re.compile(r"[/?#]")
_POSTMAN_VAR = re.compile(r"\{\{([^{}]*?)\}\}")  # postman-collection's Substitutor


@dataclass(frozen=True)
class ScriptScope:
    """Variable names a script may not set (``protected``) or read (``secret``)."""

    protected: frozenset[str] = frozenset({BASE_URL_VAR})
    secret: frozenset[str] = frozenset()

    def with_secrets(self, names: Iterable[str]) -> ScriptScope:
        """This scope with more secret names (also protected: a secret is never set)."""
        extra = frozenset(names)
        return ScriptScope(self.protected | extra, self.secret | extra)


def _host_part(raw: str) -> str:
    """The scheme and authority of a raw URL: everything a variable there can redirect."""
    scheme, sep, rest = raw.partition("://")
    if not sep:
        scheme, rest = "", raw
    end = _AUTHORITY_END.search(rest)
    return scheme + (rest[: end.start()] if end else rest)


def _text(value: Any) -> str:
    """Every string in a JSON value, joined (where a ``{{variable}}`` could sit)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_text(v) for v in (*value.keys(), *value.values()))
    return str(value) if value is not None else ""


def _names(text: str) -> list[str]:
    """Variable names as Postman reads them (any text between braces; compared stripped)."""
    return [name.strip() for name in _POSTMAN_VAR.findall(text)] if "{{" in text else []


def _request_names(request: Any) -> Iterator[tuple[str, bool]]:
    """(variable, secret?) of each protected variable a request uses."""
    if isinstance(request, str):
        request = {"url": request}
    if not isinstance(request, dict):
        return
    url = request.get("url")
    raw = url.get("raw") if isinstance(url, dict) else url
    if isinstance(raw, str):
        yield from ((n, False) for n in _names(_host_part(raw.strip())))
    if isinstance(url, dict):
        for field in ("host", "protocol", "port"):
            yield from ((n, False) for n in _names(_text(url.get(field))))
        for entry in url.get("query") or []:
            names = _names(_text(entry.get("value"))) if isinstance(entry, dict) else []
            if names and credential_field(str(entry.get("key") or "")):
                yield from ((n, True) for n in names)
    for entry in request.get("header") or []:
        names = _names(_text(entry)) if isinstance(entry, dict) else []
        if names:
            secret = credential_field(str(entry.get("key") or ""))
            yield from ((n, secret) for n in names)
    if request.get("auth") is not None:
        yield from ((n, True) for n in _names(_text(request["auth"])))


def _walk(node: Any) -> Iterator[tuple[str, bool]]:
    if not isinstance(node, dict):
        return
    if node.get("auth") is not None:  # a collection's or folder's own auth block
        yield from ((n, True) for n in _names(_text(node["auth"])))
    if "request" in node:
        yield from _request_names(node["request"])
    for child in node.get("item") or []:
        yield from _walk(child)


def _closure(names: set[str], variables: Any) -> set[str]:
    """``names`` plus the variables their defined values refer to (``{{a}}`` = ``{{b}}.x``)."""
    values: dict[str, str] = {}
    for var in variables if isinstance(variables, list) else []:
        if isinstance(var, dict) and var.get("key") is not None:
            values[str(var["key"]).strip()] = _text(var.get("value"))
    todo, seen = list(names), set(names)
    while todo:
        for ref in _names(values.get(todo.pop(), "")):
            if ref not in seen:
                seen.add(ref)
                todo.append(ref)
    return seen


def scope_of(node: dict[str, Any], secret_names: Sequence[str] = ()) -> ScriptScope:
    """The scope of the scripts in ``node`` (a collection, folder or item)."""
    protected: set[str] = {BASE_URL_VAR, *secret_names}
    secret: set[str] = set(secret_names)
    for name, is_secret in _walk(node):
        protected.add(name)
        if is_secret:
            secret.add(name)
    variables = node.get("variable")
    protected = _closure(protected, variables)
    secret = _closure(secret, variables)
    return ScriptScope(frozenset(protected), frozenset(secret))
