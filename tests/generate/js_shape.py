"""ESTree shapes of generated scripts: the parsed tree with every literal reduced to its kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import esprima

PAYLOAD = (
    'z", function () {}); pm.collectionVariables.set("baseUrl", "http:/" + "/127.0.0.1:18099"); pm.test("z'
)
# Each closes a string, comment, template, line or HTML element one way or another.
NASTY = [
    PAYLOAD,
    "z'); pm.environment.set('baseUrl', 'http://127.0.0.1:18099'); ('",
    "</script><script>pm.sendRequest('http://127.0.0.1:18099/' + pm.request.headers)</script>",
    '*/ pm.collectionVariables.set("baseUrl", "h") /*',
    '\u2028pm.collectionVariables.set("baseUrl", "h")//',
    "${pm.collectionVariables.set('baseUrl', 'h')}`",
    '"',
    "'",
    "`",
    "\\",
    '\\"',
    "</script>",
    "<!--",
    "-->",
    "\u2028",
    "\u2029",
    "*/",
    "/*",
    "//",
    "${",
    "\n",
    "\r\n",
    "\x00",
    "\ud800",
    "\ufeff",
    "&amp;",
    "%s",
    "{{baseUrl}}",
    "]); eval('1'); ([",
]


def parse(source: str) -> dict[str, Any]:
    """The ESTree of ``source`` (a syntax error fails the test)."""
    tree: dict[str, Any] = esprima.parseScript(source).toDict()
    return tree


def _kind(value: Any) -> str:
    if value is None or isinstance(value, (bool, str)):
        return type(value).__name__
    return "number" if isinstance(value, (int, float)) else "other"


def shape(node: Any) -> Any:
    """``node`` with each literal's value and raw text replaced by its kind (string, number, ...)."""
    if isinstance(node, dict):
        if node.get("type") == "Literal":
            return {"type": "Literal", "kind": _kind(node.get("value")), "regex": "regex" in node}
        return {key: shape(value) for key, value in node.items()}
    if isinstance(node, list):
        return [shape(value) for value in node]
    return node


def literals(node: Any) -> Iterator[dict[str, Any]]:
    """Every Literal node of a tree."""
    if isinstance(node, dict):
        if node.get("type") == "Literal":
            yield node
        for value in node.values():
            yield from literals(value)
    elif isinstance(node, list):
        for value in node:
            yield from literals(value)


def names(node: Any) -> set[str]:
    """Every identifier (variables and non-computed member names) in a tree."""
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get("type") == "Identifier":
            found.add(str(node.get("name")))
        for value in node.values():
            found |= names(value)
    elif isinstance(node, list):
        for value in node:
            found |= names(value)
    return found


def assert_inert(source: str) -> None:
    """Raw text checks: ASCII only, no HTML markup characters outside our code, no line separators."""
    assert source.isascii()
    for literal in literals(parse(source)):
        if isinstance(literal.get("value"), str):
            assert not set(literal["raw"]) & set("<>&\n\r"), literal["raw"]
    assert "</" not in source and "<!--" not in source and "-->" not in source
