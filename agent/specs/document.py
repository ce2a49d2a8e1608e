"""Read-only helpers over a parsed OpenAPI document: operations, a path index, local $ref resolution."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from agent.errors import InputError
from agent.models import Finding
from agent.urls import split_url

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_REF_HOPS = 64
MAX_INLINED_NODES = 25_000  # objects and arrays one inlining may make (GitHub's largest: 4,819)


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
            host = split_url(str(server.get("url", ""))).host
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


def deref_schema(doc: dict[str, Any], schema: Any) -> Any:
    """``schema`` with local refs inlined; a ref met again inside itself becomes {}.

    The result is read-only: the inlined copy of each ref is made once per document and
    shared by every later call (full-spec generation inlines the same schemas thousands of times).
    Inlining a dense graph of refs is exponential (Stripe's expandable objects refer to each
    other dozens of levels deep), so one inlining stops following refs after
    ``MAX_INLINED_NODES`` nodes: the refs past it become {} (any value), as a cycle does, and
    the document records what was cut (:func:`cut_notice`).
    """
    return _inline(doc, schema, (), "an inline schema")


def _inline(doc: dict[str, Any], schema: Any, stack: tuple[str, ...], name: str) -> Any:
    """One inlining with its own budget; records ``name`` in the document's cuts when it bit."""
    budget = [MAX_INLINED_NODES, 0]  # objects left to make, refs cut to {}
    done = _deref(doc, schema, stack, budget)
    if budget[1]:
        cut = _inlined(doc).cut
        cut[name] = cut.get(name, 0) + budget[1]
    return done


def _deref(doc: dict[str, Any], schema: Any, stack: tuple[str, ...], budget: list[int]) -> Any:
    if isinstance(schema, (dict, list)):
        budget[0] -= 1  # every object and array made, a ref cut to {} too
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if ref in stack or len(stack) >= MAX_REF_HOPS:
            return {}
        if budget[0] <= 0:
            budget[1] += 1
            return {}
        if stack:
            return _deref(doc, resolve(doc, {"$ref": ref}), (*stack, ref), budget)
        inlined = _inlined(doc)
        if ref not in inlined.refs:
            inlined.refs[ref] = _inline(doc, resolve(doc, {"$ref": ref}), (ref,), ref)
        return inlined.refs[ref]
    if isinstance(schema, dict):
        return {k: v if k in _VALUE_KEYS else _deref(doc, v, stack, budget) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_deref(doc, v, stack, budget) for v in schema]
    return schema


def cut_notice(doc: dict[str, Any]) -> Finding | None:
    """One warning naming the schemas whose inlining stopped at ``MAX_INLINED_NODES`` so far
    (tests check the parts past the cut as any value); None when nothing was cut."""
    cut = _inlined(doc).cut
    if not cut:
        return None
    first, more = next(iter(cut)), len(cut) - 1
    others = f" and {more} more schema{'s' if more > 1 else ''}" if more else ""
    message = (
        f"schema {first[:200]}{others}: inlining stopped at {MAX_INLINED_NODES:,} objects "
        f"(specs.document.MAX_INLINED_NODES); {sum(cut.values()):,} deeper refs are checked as any value"
    )
    return Finding(severity="warning", code="limit-inlined-nodes", message=message)


# Keywords whose values are data, not schemas: never walked (a "$ref" key inside an example is
# data), and an enum of a million values is shared, not copied on every call.
_VALUE_KEYS = frozenset({"enum", "const", "default", "example"})


@dataclass
class _Inlining:
    """A document's inlined refs and the refs whose inlining was cut (ref → refs cut to {})."""

    doc: dict[str, Any]
    refs: dict[str, Any] = field(default_factory=dict)
    cut: dict[str, int] = field(default_factory=dict)


_INLINED: OrderedDict[int, _Inlining] = OrderedDict()


def _inlined(doc: dict[str, Any]) -> _Inlining:
    """The per-document cache of inlined refs (documents are read-only once loaded)."""
    # Keyed by id(): the entry holds ``doc`` itself, so the id cannot be reused meanwhile.
    found = _INLINED.get(id(doc))
    if found is None or found.doc is not doc:
        found = _INLINED[id(doc)] = _Inlining(doc)
        while len(_INLINED) > 8:
            _INLINED.popitem(last=False)
    return found


# A compiled path-template segment: (score, literal text or pattern, parameter names).
# Literal segments score 2, mixed ones ("{id}.json") 1, a bare parameter 0.
_Segment = tuple[int, "re.Pattern[str] | str", tuple[str, ...]]
_PARAM = re.compile(r"\{([^{}/]+)\}")


def compile_segment(part: str) -> _Segment:
    """One path-template segment, ready to match a decoded URL segment."""
    text = unquote(part)
    names = tuple(_PARAM.findall(text))
    if not names:
        return 2, text, ()
    if _PARAM.fullmatch(text):
        return 0, "", names
    pattern = "".join(
        "(.+?)" if piece.startswith("{") else re.escape(piece)
        for piece in re.split(r"(\{[^{}/]+\})", text)
        if piece
    )
    return 1, re.compile(pattern, re.S), names


def segment_values(segment: _Segment, value: str) -> dict[str, str] | None:
    """Parameter values a segment captures from ``value`` (None: no match)."""
    score, expected, names = segment
    if score == 0:
        return {names[0]: value} if value else None
    if isinstance(expected, str):
        return {} if expected == value else None
    found = expected.fullmatch(value)
    return dict(zip(names, found.groups(), strict=False)) if found else None


class _Node:
    """One level of the path trie: literal children, mixed-segment children, a bare-parameter child."""

    __slots__ = ("literal", "mixed", "param", "leaves")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.mixed: list[tuple[re.Pattern[str], _Node]] = []
        self.param: _Node | None = None
        # templates ending here, document order: /a/{x} and /a/{y} can split one path's methods
        self.leaves: list[str] = []


class PathIndex:
    """Operations of one document by (method, path) and a trie of its path templates.

    Matching follows OpenAPI's rule: literal segments beat templated ones, leftmost first;
    among equals, document order wins.
    """

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self._ops: dict[tuple[str, str], Operation] = {}
        self.methods: dict[str, frozenset[str]] = {}
        self.segments: dict[str, tuple[_Segment, ...]] = {}
        self._root = _Node()
        by_path: dict[str, list[str]] = {}
        for op in operations(doc):
            self._ops[(op.method, op.path)] = op
            by_path.setdefault(op.path, []).append(op.method)
        for path, verbs in by_path.items():
            self.methods[path] = frozenset(verbs)
            self.segments[path] = tuple(compile_segment(p) for p in path.split("/") if p)
            self._insert(path)

    def _insert(self, path: str) -> None:
        node = self._root
        for score, expected, _names in self.segments[path]:
            if score == 2:
                node = node.literal.setdefault(str(expected), _Node())
            elif score == 0:
                node.param = node.param or _Node()
                node = node.param
            else:
                assert not isinstance(expected, str)
                found = next((child for pat, child in node.mixed if pat.pattern == expected.pattern), None)
                if found is None:
                    found = _Node()
                    node.mixed.append((expected, found))
                node = found
        node.leaves.append(path)

    def get(self, method: str, path: str) -> Operation | None:
        """The operation for ``method`` and the exact path template ``path``."""
        return self._ops.get((method.lower(), path))

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._ops.values())

    def match(self, values: Sequence[str], method: str | None = None) -> str | None:
        """The best path template for decoded URL segments (with ``method``, if given)."""
        verb = method.lower() if method else None
        values = values[:-1] if values and not values[-1] else values  # a trailing slash: its template's
        return self._walk(self._root, tuple(values), 0, verb)

    def _walk(self, node: _Node, values: tuple[str, ...], depth: int, verb: str | None) -> str | None:
        if depth == len(values):
            return next((p for p in node.leaves if verb is None or verb in self.methods[p]), None)
        value = values[depth]
        child = node.literal.get(value)
        if child is not None and (found := self._walk(child, values, depth + 1, verb)):
            return found
        # Two mixed segments can both fit; the rest of the template decides (highest score).
        fits = [
            self._walk(child, values, depth + 1, verb)
            for pattern, child in node.mixed
            if pattern.fullmatch(value)
        ]
        best = max((f for f in fits if f), key=self._score, default=None)
        if best is not None:
            return best
        if node.param is not None and value:
            return self._walk(node.param, values, depth + 1, verb)
        return None

    def _score(self, path: str) -> tuple[int, ...]:
        return tuple(segment[0] for segment in self.segments[path])

    def path_values(self, path: str, values: Sequence[str]) -> dict[str, str]:
        """The path parameters ``values`` give to the template ``path`` (which they match)."""
        out: dict[str, str] = {}
        for segment, value in zip(self.segments[path], values, strict=False):
            out.update(segment_values(segment, value) or {})
        return out


_INDEXES: OrderedDict[int, PathIndex] = OrderedDict()


def path_index(doc: dict[str, Any]) -> PathIndex:
    """The (cached) index of ``doc``; documents are read-only once loaded."""
    # Keyed by id(): the cached index holds ``doc`` itself, so the id cannot be reused meanwhile.
    index = _INDEXES.get(id(doc))
    if index is None or index.doc is not doc:
        index = PathIndex(doc)
        _INDEXES[id(doc)] = index
        while len(_INDEXES) > 8:
            _INDEXES.popitem(last=False)
    else:
        _INDEXES.move_to_end(id(doc))
    return index
