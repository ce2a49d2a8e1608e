"""Facts about a script's AST the allow-list walk needs before it starts, and the lookups it
shares: capability paths, declared names, numeric loop counters, the trusted walker."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from agent.boundary.outbound import js
from agent.boundary.outbound.capabilities import (
    CAPABILITIES,
    VARIABLE_READS,
    VARIABLE_SCOPES,
    VARIABLE_WRITE,
    Kind,
)

Node = js.Node
Value = tuple[Kind, tuple[str, ...]]
DATA: Value = (Kind.DATA, ())
ASSERT: Value = (Kind.ASSERT, ())
FUNCTIONS = ("FunctionExpression", "ArrowFunctionExpression")
NUMERIC_OPS = frozenset({"-", "*", "/", "%", "**", "|", "&", "^", "<<", ">>", ">>>"})
_NUMERIC_ASSIGN = frozenset({"-=", "*=", "/=", "%=", "**=", "|=", "&=", "^=", "<<=", ">>=", ">>>="})
KEY_UNARY = frozenset({"+", "-", "~", "!", "typeof", "void"})
WALKER_NAME = "pwAt"


@lru_cache(maxsize=1)
def _walker_source() -> str:
    """The generator's object walker, trusted as written (it filters out everything callable)."""
    from agent.generate.scripts import walker

    return "\n".join(walker())


def capability(path: tuple[str, ...]) -> str | None:
    """How a capability path may be used: 'call:<kind>', 'read:<kind>', 'ns', or None."""
    found = CAPABILITIES.get(path)
    if found is not None:
        return found
    if len(path) >= 2 and path[0] == "pm" and path[1] in VARIABLE_SCOPES:
        if len(path) == 2:
            return "ns"
        if len(path) == 3 and (path[2] in VARIABLE_READS or path[1:] == VARIABLE_WRITE):
            return "call:variable"
        return None
    return "ns" if any(key[: len(path)] == path for key in CAPABILITIES) else None


def refusal_code(path: tuple[str, ...]) -> str:
    if path[0] != "pm":
        return "script-global-member"
    area = path[1] if len(path) > 1 else ""
    if area == "sendRequest":
        return "script-send-request"
    if area == "request":
        return "script-request-credentials"
    if area in VARIABLE_SCOPES:
        dump = area == "environment" and path[2:3] not in (("set",), ("unset",))
        return "script-environment-dump" if dump else "script-variable-access"
    return "script-globals" if area == "globals" else "script-pm-api"


def binding_names(pattern: Node | None) -> Iterator[str]:
    """Names a binding pattern declares."""
    if pattern is None:
        return
    kind = pattern.get("type")
    if kind == "Identifier":
        yield str(pattern["name"])
    elif kind == "ObjectPattern":
        for prop in pattern["properties"]:
            yield from binding_names(prop["argument"] if prop["type"] == "RestElement" else prop["value"])
    elif kind == "ArrayPattern":
        for element in pattern["elements"]:
            yield from binding_names(element)
    elif kind == "AssignmentPattern":
        yield from binding_names(pattern["left"])
    elif kind == "RestElement":
        yield from binding_names(pattern["argument"])


def block_names(body: list[Node]) -> set[str]:
    """Names declared directly in a block (``var`` is not hoisted out: fewer names are local)."""
    names: set[str] = set()
    for stmt in body:
        if stmt.get("type") == "VariableDeclaration":
            for decl in stmt["declarations"]:
                names.update(binding_names(decl["id"]))
        elif stmt.get("type") == "FunctionDeclaration" and stmt.get("id"):
            names.add(str(stmt["id"]["name"]))
    return names


def numeric_literal(node: Node | None) -> bool:
    return node is not None and node.get("type") == "Literal" and type(node.get("value")) in (int, float)


def numeric_counters(tree: Node) -> frozenset[str]:
    """Names that only ever hold numbers: ``for (let i = 0; …)`` counters changed arithmetically."""
    heads = {
        id(decl)
        for node, _, _ in js.walk(tree)
        if node.get("type") == "ForStatement"
        and (node.get("init") or {}).get("type") == "VariableDeclaration"
        for decl in node["init"]["declarations"]
    }
    candidates: set[str] = set()
    spoiled: set[str] = set()
    for node, _, _ in js.walk(tree):
        kind = node.get("type")
        if kind == "VariableDeclarator":
            counter = (
                id(node) in heads
                and node["id"].get("type") == "Identifier"
                and numeric_literal(node.get("init"))
            )
            (candidates if counter else spoiled).update(binding_names(node["id"]))
        elif kind in (*FUNCTIONS, "FunctionDeclaration"):
            for param in node.get("params") or []:
                spoiled.update(binding_names(param))
            if node.get("id"):
                spoiled.add(str(node["id"]["name"]))
        elif kind == "AssignmentExpression":
            left, op = node["left"], node["operator"]
            safe = op in _NUMERIC_ASSIGN or (op in ("=", "+=") and numeric_literal(node["right"]))
            if left.get("type") != "Identifier" or not safe:
                spoiled.update(n["name"] for n, _, _ in js.walk(left) if n.get("type") == "Identifier")
        elif (
            kind in ("ForInStatement", "ForOfStatement") and node["left"].get("type") != "VariableDeclaration"
        ):
            spoiled.update(n["name"] for n, _, _ in js.walk(node["left"]) if n.get("type") == "Identifier")
    return frozenset(candidates - spoiled)


def trusts_walker(tree: Node, source: str) -> bool:
    """Whether the script declares the generator's ``pwAt`` byte for byte, once, and uses its
    name only to call it (so nothing can redefine or alias it)."""
    bindings = [
        n for n, _, _ in js.walk(tree) if n.get("type") == "Identifier" and n.get("name") == WALKER_NAME
    ]
    declared = [
        s
        for s in tree["body"]
        if s.get("type") == "FunctionDeclaration" and (s.get("id") or {}).get("name") == WALKER_NAME
    ]
    if len(declared) != 1 or "range" not in declared[0]:
        return False
    start, end = declared[0]["range"]
    if source[start:end] != _walker_source():
        return False
    calls = sum(
        1
        for n, _, _ in js.walk(tree)
        if n.get("type") == "CallExpression" and n["callee"].get("name") == WALKER_NAME
    )
    return len(bindings) == calls + 1
