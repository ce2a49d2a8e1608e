"""Read-only helpers over a parsed OpenAPI document: operations and local $ref resolution."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from agent.errors import InputError

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_REF_HOPS = 64


@dataclass(frozen=True)
class Operation:
    """One (path, method) of a spec with its operation object."""

    path: str
    method: str
    spec: dict[str, Any]
    path_item: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def parameters(self, doc: dict[str, Any]) -> list[dict[str, Any]]:
        """Path-level and operation-level parameters, resolved, operation winning."""
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*self.path_item.get("parameters", []), *self.spec.get("parameters", [])]:
            param = resolve(doc, raw)
            if isinstance(param, dict):
                merged[(str(param.get("name")), str(param.get("in")))] = param
        return list(merged.values())


def operations(doc: dict[str, Any]) -> Iterator[Operation]:
    """Every operation in document order."""
    paths = doc.get("paths") or {}
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        item = resolve(doc, item)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield Operation(str(path), method, op, item)


def server_hosts(doc: dict[str, Any]) -> list[str]:
    """Host names of the document's servers: the only hosts a test script may name."""
    hosts = set()
    for server in doc.get("servers") or []:
        if isinstance(server, dict):
            host = urlsplit(str(server.get("url", ""))).hostname
            if host:
                hosts.add(host)
    return sorted(hosts)


def pointer_get(doc: Any, pointer: str) -> Any:
    """The node at a JSON pointer ("#/components/schemas/Pet" or "/paths/...")."""
    node = doc
    for raw in pointer.lstrip("#").strip("/").split("/"):
        if raw == "":
            continue
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise InputError(f"$ref {pointer!r} points to nothing")
    return node


def resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s of ``node`` (not its children) to a concrete node."""
    hops = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#"):
            raise InputError(f"non-local $ref {ref!r} was not bundled")
        hops += 1
        if hops > MAX_REF_HOPS:
            raise InputError(f"$ref chain through {ref!r} is longer than {MAX_REF_HOPS} or cyclic")
        node = pointer_get(doc, ref)
    return node


def deref_schema(doc: dict[str, Any], schema: Any, _stack: tuple[str, ...] = ()) -> Any:
    """A copy of ``schema`` with local refs inlined; a ref met again inside itself becomes {}."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if ref in _stack or len(_stack) >= MAX_REF_HOPS:
            return {}
        return deref_schema(doc, resolve(doc, {"$ref": ref}), (*_stack, ref))
    if isinstance(schema, dict):
        return {k: deref_schema(doc, v, _stack) for k, v in schema.items()}
    if isinstance(schema, list):
        return [deref_schema(doc, v, _stack) for v in schema]
    return schema
