"""ESTree helpers for the script policy (esprima2, a pure-Python ES2022 parser), and the
string helpers the request policy shares: credential-like names, URLs, ``{{variables}}``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

Node = dict[str, Any]
Problem = tuple[str, str, Node]  # (code, message, node)

_URL = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*:)?//([^/\s\"'`?#\\]+)")
_TEMPLATE_VAR = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
CREDENTIAL_NAME = re.compile(
    r"(?i)(token|secret|passw|pwd|api[_-]?key|apikey|auth|credential|cookie|session|private|bearer|"
    r"jwt|signature|otp|client[_-]?secret|access[_-]?key)"
)


def is_secret_name(name: str, secret_names: Sequence[str] = ()) -> bool:
    """A variable name that holds (or looks like it holds) a credential."""
    return name.lower() in {s.lower() for s in secret_names} or bool(CREDENTIAL_NAME.search(name))


def _children(node: Node) -> Iterator[tuple[str, Node]]:
    for key, value in node.items():
        if key in ("range", "loc"):
            continue
        if isinstance(value, dict) and "type" in value:
            yield key, value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and "type" in item:
                    yield key, item


def walk(root: Node) -> Iterator[tuple[Node, Node | None, str | None]]:
    """Every node with its parent and the parent's key that holds it (iterative)."""
    stack: list[tuple[Node, Node | None, str | None]] = [(root, None, None)]
    while stack:
        node, parent, key = stack.pop()
        yield node, parent, key
        stack.extend((child, node, k) for k, child in reversed(list(_children(node))))


def _unwrap(node: Node) -> Node:
    return node["expression"] if node.get("type") == "ChainExpression" else node


def _string(node: Node | None) -> str | None:
    """The value of a string literal, a template without expressions, or a '+' of those."""
    if node is None:
        return None
    kind = node.get("type")
    if kind == "Literal" and isinstance(node.get("value"), str):
        return str(node["value"])
    if kind == "TemplateLiteral" and not node.get("expressions"):
        return "".join(q["value"]["cooked"] or "" for q in node["quasis"])
    if kind == "BinaryExpression" and node.get("operator") == "+":
        left, right = _string(node["left"]), _string(node["right"])
        if left is not None and right is not None:
            return left + right
    return None


def urls_in(value: str) -> list[str]:
    """URL-ish substrings (with a scheme or protocol-relative) in a string."""
    return [m.group(0) for m in _URL.finditer(value)]


def template_vars(value: str) -> list[str]:
    """Names of ``{{variables}}`` in a string."""
    return _TEMPLATE_VAR.findall(value)
