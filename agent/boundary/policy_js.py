"""The Postman script policy, enforced on an ESTree AST (esprima2, a pure-Python ES2022 parser).

A script may assert (``pm.test``, ``pm.expect``), read the response and the request line,
get/set non-secret variables, parse JSON and check schemas. Everything that could move
data out (``pm.sendRequest`` off the spec's servers, foreign URLs), read secrets
(environment dumps, credential variables, ``pm.globals``, request auth headers) or run
strings as code (``eval``, ``Function``, constructor tricks, string timers) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

Node = dict[str, Any]
Problem = tuple[str, str, Node]  # (code, message, node)

REQUIRE_ALLOWED = frozenset(
    {"ajv", "tv4", "chai", "lodash", "moment", "uuid", "xml2js", "csv-parse/lib/sync"}
)
_BANNED_GLOBALS = frozenset(
    {
        "globalThis",
        "global",
        "window",
        "self",
        "process",
        "fetch",
        "XMLHttpRequest",
        "WebSocket",
        "importScripts",
        "Reflect",
        "Proxy",
        "postman",
        "environment",
        "globals",
        "module",
        "exports",
    }
)
_NEVER_LOCAL = frozenset({"eval", "Function"})
_BANNED_PROPS = frozenset(
    {
        "constructor",
        "__proto__",
        "prototype",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
        "caller",
        "callee",
    }
)
_BANNED_STRINGS = _BANNED_PROPS | {"eval", "Function", "sendRequest", "toObject", "globals"}
_TIMERS = frozenset({"setTimeout", "setInterval", "setImmediate"})
_VARIABLE_SCOPES = frozenset({"variables", "collectionVariables", "environment", "iterationData"})
_VARIABLE_READS = frozenset({"get", "has"})
_VARIABLE_WRITES = frozenset({"set", "unset"})
_SCOPE_PROPS_OK = frozenset({"name", "id"})
_URL = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*:)?//([^/\s\"'`?#\\]+)")
_TEMPLATE_VAR = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
CREDENTIAL_NAME = re.compile(
    r"(?i)(token|secret|passw|pwd|api[_-]?key|apikey|auth|credential|cookie|session|private|bearer|"
    r"jwt|signature|otp|client[_-]?secret|access[_-]?key)"
)


def is_secret_name(name: str, secret_names: Sequence[str] = ()) -> bool:
    """A variable name that holds (or looks like it holds) a credential."""
    return name.lower() in {s.lower() for s in secret_names} or bool(CREDENTIAL_NAME.search(name))


def host_allowed(url: str, allowed_hosts: Sequence[str]) -> bool:
    """``{{baseUrl}}`` URLs and URLs on one of the allowed hosts."""
    if url.strip().startswith("{{baseUrl}}"):
        return True
    host = urlsplit(url if "//" in url else f"//{url}").hostname
    return host is not None and host.lower() in {h.lower() for h in allowed_hosts}


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


def member_path(node: Node) -> list[str] | None:
    """Names along a member chain rooted at an identifier; '*' marks a dynamic key."""
    names: list[str] = []
    current = _unwrap(node)
    while current.get("type") == "MemberExpression":
        prop = current["property"]
        if not current.get("computed"):
            names.append(str(prop.get("name")))
        else:
            literal = prop.get("value") if prop.get("type") == "Literal" else _string(prop)
            names.append(str(literal) if isinstance(literal, (str, int, float)) else "*")
        current = _unwrap(current["object"])
    if current.get("type") != "Identifier":
        return None
    names.append(str(current["name"]))
    return list(reversed(names))


def declared_names(root: Node) -> set[str]:
    """Names the script declares itself (variables, functions, parameters)."""
    names: set[str] = set()
    for node, _, _ in walk(root):
        kind = node.get("type")
        targets: list[Node] = []
        if kind == "VariableDeclarator":
            targets = [node["id"]]
        elif kind in ("FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"):
            targets = [p for p in node.get("params", []) if p] + ([node["id"]] if node.get("id") else [])
        for target in targets:
            names.update(n["name"] for n, _, _ in walk(target) if n.get("type") == "Identifier")
    return names - _NEVER_LOCAL


def is_reference(node: Node, parent: Node | None, key: str | None) -> bool:
    """Whether an Identifier is read as a variable (not a property name or object key)."""
    if parent is None:
        return True
    kind = parent.get("type")
    if kind == "MemberExpression" and key == "property" and not parent.get("computed"):
        return False
    if (
        kind in ("Property", "MethodDefinition", "PropertyDefinition")
        and key == "key"
        and not parent.get("computed")
    ):
        return False
    return kind not in ("LabeledStatement", "BreakStatement", "ContinueStatement")


def banned_string(value: str) -> bool:
    """Strings that name a sandbox escape, also when written backwards."""
    stripped = value.strip()
    return stripped in _BANNED_STRINGS or stripped[::-1] in _BANNED_STRINGS


def urls_in(value: str) -> list[str]:
    """URL-ish substrings (with a scheme or protocol-relative) in a string."""
    return [m.group(0) for m in _URL.finditer(value)]


def template_vars(value: str) -> list[str]:
    """Names of ``{{variables}}`` in a string."""
    return _TEMPLATE_VAR.findall(value)
