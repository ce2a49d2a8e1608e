"""Structural comparison of two JSON schemas into neutral findings (scope-free, memoised).

A finding says *what* changed (``enum-value-removed`` at ``items/status``); :mod:`agent.diff.scope`
decides which oasdiff rule that is in a request parameter, a request body or a response.
Composition keywords (allOf / anyOf / oneOf) are matched by reference or by structure, never
by text position alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agent.specs.document import MAX_REF_HOPS

# Nested schemas compared below one change site; deeper chains of refs (A.parent -> B.parent ->
# ...) would report the same leaf change once per level and blow up the output.
MAX_SCHEMA_DEPTH = 12
_LIMITS = (
    ("maximum", "max"),
    ("minimum", "min"),
    ("maxLength", "max-length"),
    ("minLength", "min-length"),
    ("maxItems", "max-items"),
    ("minItems", "min-items"),
    ("exclusiveMaximum", "exclusive-max"),
    ("exclusiveMinimum", "exclusive-min"),
    ("minContains", "min-contains"),
    ("maxContains", "max-contains"),
)
_PRESENCE = (
    ("prefixItems", "prefix-items"),
    ("if", "if"),
    ("then", "then"),
    ("else", "else"),
    ("contains", "contains"),
    ("propertyNames", "property-names"),
    ("unevaluatedItems", "unevaluated-items"),
    ("unevaluatedProperties", "unevaluated-properties"),
    ("contentSchema", "content-schema"),
)
_VALUES = (("default", "default-value"), ("const", "const"), ("pattern", "pattern"))


@dataclass(frozen=True)
class Raw:
    """One neutral schema finding; ``path`` is relative to the compared root schema."""

    kind: str
    path: tuple[str, ...]
    before: Any
    after: Any
    base_ptr: str
    rev_ptr: str
    subject: Any = None
    flags: frozenset[str] = field(default_factory=frozenset)

    def under(self, prefix: tuple[str, ...]) -> Raw:
        """The same finding seen from a parent schema."""
        return Raw(
            self.kind,
            prefix + self.path,
            self.before,
            self.after,
            self.base_ptr,
            self.rev_ptr,
            self.subject,
            self.flags,
        )


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty one (specs are untrusted shapes)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def escape(part: str) -> str:
    """A JSON-pointer segment."""
    return part.replace("~", "~0").replace("/", "~1")


def canonical(value: Any) -> str:
    """A stable text form used to compare values of any JSON type."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def types_of(schema: dict[str, Any]) -> tuple[frozenset[str], bool]:
    """Declared types (without "null") and whether null is allowed (3.0 nullable or 3.1 type list)."""
    raw = schema.get("type")
    kinds = (
        {raw}
        if isinstance(raw, str)
        else {t for t in raw if isinstance(t, str)}
        if isinstance(raw, list)
        else set()
    )
    nullable = schema.get("nullable") is True or "null" in kinds
    return frozenset(kinds - {"null"}), nullable


def flags_of(schema: Any, required: bool) -> frozenset[str]:
    """Property attributes that change which rule applies."""
    out = {"required"} if required else set()
    if isinstance(schema, dict):
        if schema.get("readOnly") is True:
            out.add("read-only")
        if schema.get("writeOnly") is True:
            out.add("write-only")
        if "default" in schema:
            out.add("default")
    return frozenset(out)


class SchemaDiff:
    """Compares schemas of two documents; results are memoised per (base node, revision node)."""

    def __init__(self, base_doc: dict[str, Any], rev_doc: dict[str, Any]) -> None:
        self.base_doc = base_doc
        self.rev_doc = rev_doc
        self._memo: dict[tuple[int, int], list[Raw]] = {}
        self._active: set[tuple[int, int]] = set()
        self._targets: dict[tuple[int, str], Any] = {}

    def deref(self, doc: dict[str, Any], node: Any, ptr: str) -> tuple[Any, str]:
        """Follow ``$ref``s (chains were bounded by the loader) and track the pointer."""
        from agent.specs.document import pointer_get

        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and hops <= MAX_REF_HOPS:
            ptr = node["$ref"]
            key = (id(doc), ptr)
            if key not in self._targets:
                self._targets[key] = pointer_get(doc, ptr)
            node = self._targets[key]
            hops += 1
        return node, ptr

    def compare(self, base: Any, rev: Any, base_ptr: str, rev_ptr: str) -> list[Raw]:
        """Every neutral difference between two schemas (children included)."""
        b, bp = self.deref(self.base_doc, base, base_ptr)
        r, rp = self.deref(self.rev_doc, rev, rev_ptr)
        if not isinstance(b, dict) or not isinstance(r, dict):
            return []
        key = (id(b), id(r))
        if key in self._memo:
            return self._memo[key]
        if key in self._active or len(self._active) >= MAX_SCHEMA_DEPTH:
            return []  # a recursive schema met itself: its changes are reported at the first level
        self._active.add(key)
        try:
            out = self._node(b, r, bp.rstrip("/"), rp.rstrip("/"))
        finally:
            self._active.discard(key)
        self._memo[key] = out
        return out

    def _node(self, b: dict[str, Any], r: dict[str, Any], bp: str, rp: str) -> list[Raw]:
        out: list[Raw] = []

        def add(kind: str, before: Any = None, after: Any = None, subject: Any = None) -> None:
            out.append(Raw(kind, (), b, r, bp, rp, subject if subject is not None else (before, after)))

        self._types(b, r, add)
        be, re_ = b.get("enum"), r.get("enum")
        if isinstance(re_, list) and not isinstance(be, list):
            add("became-enum", None, re_)
        elif isinstance(be, list) and isinstance(re_, list):
            after = {canonical(v) for v in re_}
            before = {canonical(v) for v in be}
            for v in be:
                if canonical(v) not in after:
                    add("enum-value-removed", v, None, v)
            for v in re_:
                if canonical(v) not in before:
                    add("enum-value-added", None, v, v)
        for key, stem in _VALUES:
            self._value(b, r, key, stem, add)
        for key, stem in _LIMITS:
            bv, rv = b.get(key), r.get(key)
            if isinstance(bv, bool) or isinstance(rv, bool):
                continue  # 3.0 boolean exclusiveMaximum modifies maximum; compared there
            if bv is None and rv is not None:
                add(f"{stem}-set", bv, rv)
            elif bv is not None and rv is None:
                add(f"{stem}-unset", bv, rv)
            elif bv is not None and rv is not None and bv != rv:
                add(f"{stem}-increased" if rv > bv else f"{stem}-decreased", bv, rv)
        for key, stem in _PRESENCE:
            if key in r and key not in b:
                add(f"{stem}-added", None, r[key])
            elif key in b and key not in r:
                add(f"{stem}-removed", b[key], None)
        self._discriminator(b, r, add)
        self._keyed(b, r, add)
        for keyword, stem in (("allOf", "all-of"), ("anyOf", "any-of"), ("oneOf", "one-of")):
            out.extend(self._composition(b, r, bp, rp, keyword, stem))
        out.extend(self._properties(b, r, bp, rp))
        for key in ("items", "additionalProperties", "not"):
            if isinstance(b.get(key), dict) and isinstance(r.get(key), dict):
                sub = self.compare(b[key], r[key], f"{bp}/{key}", f"{rp}/{key}")
                out.extend(raw.under((key,)) for raw in sub)
        return out

    def _types(self, b: dict[str, Any], r: dict[str, Any], add: Any) -> None:
        bt, bn = types_of(b)
        rt, rn = types_of(r)
        if bt and rt and bt != rt:
            if len(bt) > 1 or len(rt) > 1:
                if bt < rt:
                    add("list-of-types-widened", sorted(bt), sorted(rt))
                elif rt < bt:
                    add("list-of-types-narrowed", sorted(bt), sorted(rt))
                else:
                    add("type-changed", sorted(bt), sorted(rt))
            else:
                add("type-changed", (min(bt), b.get("format")), (min(rt), r.get("format")))
        elif bt == rt and b.get("format") != r.get("format") and (b.get("format") or r.get("format")):
            add(
                "type-changed",
                (min(bt) if bt else None, b.get("format")),
                (min(rt) if rt else None, r.get("format")),
            )
        if rn and not bn:
            add("became-nullable")
        elif bn and not rn:
            add("became-not-nullable")

    @staticmethod
    def _value(b: dict[str, Any], r: dict[str, Any], key: str, stem: str, add: Any) -> None:
        if key in r and key not in b:
            add(f"{stem}-added", None, r[key])
        elif key in b and key not in r:
            add(f"{stem}-removed", b[key], None)
        elif key in b and canonical(b[key]) != canonical(r[key]):
            add(f"{stem}-changed", b[key], r[key])

    @staticmethod
    def _keyed(b: dict[str, Any], r: dict[str, Any], add: Any) -> None:
        """Keyword maps compared entry by entry (JSON Schema 2020-12 / OpenAPI 3.1)."""
        for key, stem, changed in (
            ("dependentRequired", "dependent-required", True),
            ("dependentSchemas", "dependent-schema", False),
            ("patternProperties", "pattern-property", False),
        ):
            bm, rm = as_dict(b.get(key)), as_dict(r.get(key))
            for k in sorted(rm.keys() - bm.keys()):
                add(f"{stem}-added", None, rm[k], k)
            for k in sorted(bm.keys() - rm.keys()):
                add(f"{stem}-removed", bm[k], None, k)
            if changed:
                for k in sorted(bm.keys() & rm.keys()):
                    if canonical(bm[k]) != canonical(rm[k]):
                        add(f"{stem}-changed", bm[k], rm[k], k)

    @staticmethod
    def _discriminator(b: dict[str, Any], r: dict[str, Any], add: Any) -> None:
        bd, rd = b.get("discriminator"), r.get("discriminator")
        if isinstance(rd, dict) and not isinstance(bd, dict):
            add("discriminator-added", None, rd)
        elif isinstance(bd, dict) and not isinstance(rd, dict):
            add("discriminator-removed", bd, None)
        elif isinstance(bd, dict) and isinstance(rd, dict):
            if bd.get("propertyName") != rd.get("propertyName"):
                add("discriminator-property-name-changed", bd.get("propertyName"), rd.get("propertyName"))
            bm, rm = bd.get("mapping") or {}, rd.get("mapping") or {}
            for k in rm.keys() - bm.keys():
                add("discriminator-mapping-added", None, rm[k], k)
            for k in bm.keys() - rm.keys():
                add("discriminator-mapping-deleted", bm[k], None, k)
            for k in bm.keys() & rm.keys():
                if bm[k] != rm[k]:
                    add("discriminator-mapping-changed", bm[k], rm[k], k)

    def _label(self, doc: dict[str, Any], node: Any) -> str:
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            return str(node["$ref"])
        return canonical(node)

    def _composition(
        self, b: dict[str, Any], r: dict[str, Any], bp: str, rp: str, kw: str, stem: str
    ) -> list[Raw]:
        bl = as_list(b.get(kw))
        rl = as_list(r.get(kw))
        if not bl and not rl:
            return []
        out: list[Raw] = []
        b_keys = [self._label(self.base_doc, s) for s in bl]
        r_keys = [self._label(self.rev_doc, s) for s in rl]
        unmatched_b = [i for i, k in enumerate(b_keys) if k not in r_keys]
        unmatched_r = [i for i, k in enumerate(r_keys) if k not in b_keys]
        pairs = [(b_keys.index(k), j) for j, k in enumerate(r_keys) if k in b_keys]
        # Inline subschemas that changed shape: pair what is left in order, compare them deeply.
        pairs += list(zip(unmatched_b, unmatched_r, strict=False))
        n = min(len(unmatched_b), len(unmatched_r))
        for i in unmatched_b[n:]:
            out.append(Raw(f"{stem}-removed", (), bl[i], None, f"{bp}/{kw}/{i}", rp, b_keys[i]))
        for j in unmatched_r[n:]:
            out.append(Raw(f"{stem}-added", (), None, rl[j], bp, f"{rp}/{kw}/{j}", r_keys[j]))
        for i, j in pairs:
            label = b_keys[i] if b_keys[i].startswith("#") else str(j)
            sub = self.compare(bl[i], rl[j], f"{bp}/{kw}/{i}", f"{rp}/{kw}/{j}")
            out.extend(raw.under((f"{kw}[{label.rsplit('/', 1)[-1]}]",)) for raw in sub)
        return out

    def _properties(self, b: dict[str, Any], r: dict[str, Any], bp: str, rp: str) -> list[Raw]:
        bprops = as_dict(b.get("properties"))
        rprops = as_dict(r.get("properties"))
        breq = {x for x in as_list(b.get("required")) if isinstance(x, str)}
        rreq = {x for x in as_list(r.get("required")) if isinstance(x, str)}
        out: list[Raw] = []
        for name, bs in bprops.items():
            bptr, rptr = f"{bp}/properties/{escape(name)}", f"{rp}/properties/{escape(name)}"
            if name not in rprops:
                bres, _ = self.deref(self.base_doc, bs, bptr)
                out.append(
                    Raw("property-removed", (name,), bres, None, bptr, rp, name, flags_of(bres, name in breq))
                )
                continue
            rs = rprops[name]
            bres, _ = self.deref(self.base_doc, bs, bptr)
            rres, _ = self.deref(self.rev_doc, rs, rptr)
            flags = flags_of(rres, name in rreq)
            if name in rreq and name not in breq:
                out.append(Raw("became-required", (name,), bres, rres, bptr, rptr, name, flags))
            elif name in breq and name not in rreq:
                out.append(
                    Raw("became-optional", (name,), bres, rres, bptr, rptr, name, flags_of(bres, True))
                )
            if isinstance(bres, dict) and isinstance(rres, dict):
                for attr, stem in (
                    ("readOnly", "read-only"),
                    ("writeOnly", "write-only"),
                    ("deprecated", "deprecated"),
                ):
                    was, now = bres.get(attr) is True, rres.get(attr) is True
                    if now and not was:
                        out.append(Raw(f"became-{stem}", (name,), bres, rres, bptr, rptr, name, flags))
                    elif was and not now:
                        out.append(Raw(f"became-not-{stem}", (name,), bres, rres, bptr, rptr, name, flags))
            out.extend(raw.under((name,)) for raw in self.compare(bs, rs, bptr, rptr))
        for name, rs in rprops.items():
            if name not in bprops:
                rptr = f"{rp}/properties/{escape(name)}"
                rres, _ = self.deref(self.rev_doc, rs, rptr)
                out.append(
                    Raw("property-added", (name,), None, rres, bp, rptr, name, flags_of(rres, name in rreq))
                )
        return out
