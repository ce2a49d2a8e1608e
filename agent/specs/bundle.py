"""Bundle multi-file specs into one document whose ``$ref``s are all local (``#/...``).

External schemas become named components (so recursive schemas stay recursive); other external
objects (path items, parameters, responses, ...) are inlined. Local ref chains are checked for
cycles and length here, once, so later code can follow refs without guarding again.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from agent.errors import InputError
from agent.specs.confine import RefPolicy
from agent.specs.document import MAX_REF_HOPS, pointer_get
from agent.specs.fetch import read
from agent.specs.location import Location
from agent.specs.parse import MAX_BYTES, parse_document

MAX_DOCUMENTS = 500
_SCHEMA_KEYS = frozenset({"schema", "schemas", "definitions"})


def collect_refs(doc: Any) -> set[str]:
    """Every ``$ref`` string in ``doc`` (iterative: deep documents cannot blow the stack)."""
    refs: set[str] = set()
    seen: set[int] = set()
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if id(node) in seen:
                continue
            seen.add(id(node))
            ref = node.get("$ref")
            if isinstance(ref, str):
                refs.add(ref)
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return refs


def check_local_refs(doc: Any, refs: set[str], origin: str) -> None:
    """Every local ref points somewhere, and no chain of refs is cyclic or longer than the cap."""
    for ref in sorted(refs):
        if not ref.startswith("#"):
            continue
        seen = [ref]
        node = _target(doc, ref, origin)
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            nxt = node["$ref"]
            if not nxt.startswith("#"):
                break
            if nxt in seen:
                raise InputError(f"{origin}: cyclic $ref: {' -> '.join([*seen, nxt])[:300]}")
            seen.append(nxt)
            if len(seen) > MAX_REF_HOPS:
                raise InputError(f"{origin}: $ref chain from {ref!r} is longer than {MAX_REF_HOPS} hops")
            node = _target(doc, nxt, origin)


def _target(doc: Any, ref: str, origin: str) -> Any:
    try:
        return pointer_get(doc, ref)
    except InputError:
        raise InputError(f"{origin}: $ref {ref!r} points to nothing") from None


class Bundler:
    """Rewrites one root document, pulling in every external document it refers to."""

    def __init__(
        self,
        root: Location,
        doc: dict[str, Any],
        *,
        schemas_at: tuple[str, ...],
        policy: RefPolicy,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.root = root
        # each document and the location its refs resolve against (a URL's last redirect hop)
        self.docs: dict[Location, tuple[Any, Location]] = {root: (doc, root)}
        self.schemas_at = schemas_at
        self.policy = policy
        self.max_bytes = max_bytes
        self.mapped: dict[tuple[Location, str], str] = {}
        self.pending: deque[tuple[Location, str, str]] = deque()
        self.new_schemas: dict[str, Any] = {}
        existing: Any = doc
        for key in schemas_at:
            existing = existing.get(key) if isinstance(existing, dict) else None
        self.names: set[str] = set(existing) if isinstance(existing, dict) else set()

    def bundle(self) -> dict[str, Any]:
        """The root document with every external ref replaced by a local one."""
        out = self._walk(self.docs[self.root][0], self.root, False, ())
        while self.pending:
            loc, frag, name = self.pending.popleft()
            node, base = self._fetch(loc, frag)
            self.new_schemas[name] = self._walk(node, base, True, ())
        if self.new_schemas:
            holder = out
            for key in self.schemas_at:
                holder = holder.setdefault(key, {})
            holder.update(self.new_schemas)
        assert isinstance(out, dict)
        return out

    def _walk(
        self, node: Any, loc: Location, in_schema: bool, stack: tuple[tuple[Location, str], ...]
    ) -> Any:
        if isinstance(node, list):
            return [self._walk(v, loc, in_schema, stack) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._ref(node, ref, loc, in_schema, stack)
        return {k: self._walk(v, loc, in_schema or k in _SCHEMA_KEYS, stack) for k, v in node.items()}

    def _ref(
        self,
        node: dict[str, Any],
        ref: str,
        loc: Location,
        in_schema: bool,
        stack: tuple[tuple[Location, str], ...],
    ) -> Any:
        uri, _, frag = ref.partition("#")
        target = self.policy.resolve(loc, uri, ref) if uri else loc
        siblings = {k: self._walk(v, loc, in_schema, stack) for k, v in node.items() if k != "$ref"}
        if target == self.root:
            return {**siblings, "$ref": "#" + frag}
        if in_schema or "/schemas/" in frag or frag.startswith("/definitions/"):
            key = (target, frag)
            if key not in self.mapped:
                name = self._name(target, frag)
                self.mapped[key] = "#/" + "/".join(self.schemas_at) + "/" + name
                self.pending.append((target, frag, name))
            return {**siblings, "$ref": self.mapped[key]}
        key = (target, frag)
        if key in stack:
            raise InputError(f"{self.root}: cyclic $ref through {target}#{frag}")
        if len(stack) >= MAX_REF_HOPS:
            raise InputError(f"{self.root}: external $ref chain deeper than {MAX_REF_HOPS}")
        found, base = self._fetch(target, frag)
        inlined = self._walk(found, base, in_schema, (*stack, key))
        if isinstance(inlined, dict) and siblings:
            return {**inlined, **siblings}
        return inlined

    def _fetch(self, loc: Location, frag: str) -> tuple[Any, Location]:
        if loc not in self.docs:
            if len(self.docs) >= MAX_DOCUMENTS:
                raise InputError(f"{self.root}: refers to more than {MAX_DOCUMENTS} documents")
            data, base = read(loc, max_bytes=self.max_bytes, origins=self.policy.origins)
            self.docs[loc] = (parse_document(data, str(loc), max_bytes=self.max_bytes), base)
        doc, base = self.docs[loc]
        try:
            return (pointer_get(doc, frag) if frag else doc), base
        except InputError:
            raise InputError(f"$ref {str(loc)}#{frag} points to nothing") from None

    def _name(self, loc: Location, frag: str) -> str:
        last = frag.rstrip("/").rsplit("/", 1)[-1] if frag.strip("/") else ""
        if not last:
            last = loc.path.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]
        base = re.sub(r"[^A-Za-z0-9._-]", "_", last.replace("~1", "/").replace("~0", "~")) or "Schema"
        name, n = base, 1
        while name in self.names:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        return name
