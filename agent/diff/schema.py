"""Structural comparison of two JSON schemas into neutral findings (scope-free, memoised).

A finding says *what* changed (``enum-value-removed`` at ``items/status``); :mod:`agent.diff.scope`
decides which oasdiff rule that is in a request parameter, a request body or a response.
Composition keywords (allOf / anyOf / oneOf) are matched by reference or by structure, never
by text position alone.
"""

from __future__ import annotations

from typing import Any

from agent.diff.findings import (
    Raw,
    as_dict,
    as_list,
    canonical,
    escape,
    flags_of,
    summarise,
    types_of,
    value_delta,
)
from agent.diff.keywords import compare_discriminator, compare_keyed, compare_value
from agent.diff.lifecycle import stability_rule
from agent.diff.shapes import ANNOTATIONS, listed, null_wrapped, type_list
from agent.diff.unchanged import Unchanged
from agent.limits import DEFAULT_LIMITS
from agent.specs.document import MAX_REF_HOPS

__all__ = ["Raw", "SchemaDiff", "as_dict", "as_list", "canonical", "escape", "flags_of", "types_of"]

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


class SchemaDiff:
    """Compares schemas of two documents; results are memoised per (base node, revision node)."""

    def __init__(
        self,
        base_doc: dict[str, Any],
        rev_doc: dict[str, Any],
        unchanged: Unchanged | None = None,
        *,
        max_enum_values: int = DEFAULT_LIMITS.max_enum_values,
    ) -> None:
        self.base_doc = base_doc
        self.max_enum_values = max_enum_values
        self.rev_doc = rev_doc
        self.unchanged = unchanged
        self._memo: dict[tuple[int, int], list[Raw]] = {}
        self._active: set[tuple[int, int]] = set()
        self.too_deep: list[str] = []  # where differing schemas sat below MAX_SCHEMA_DEPTH
        self._targets: dict[tuple[int, str], Any] = {}
        self._unwrapped: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        self._null_wrapped: set[int] = set()

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

    def wrapped_in_one_of(self, base: Any, rev: Any) -> bool:
        """Whether a concrete object schema was moved into the alternatives of a new oneOf.

        oasdiff reports that once (``*-wrapped-in-one-of``) instead of the mechanical findings
        (properties removed, alternatives added, type gone) it is made of.
        """
        b, _ = self.deref(self.base_doc, base, "")
        r, _ = self.deref(self.rev_doc, rev, "")
        if not isinstance(b, dict) or not isinstance(r, dict):
            return False
        if not as_dict(b.get("properties")) or "oneOf" in b or as_dict(r.get("properties")):
            return False
        members = [self.deref(self.rev_doc, m, "")[0] for m in as_list(r.get("oneOf"))]
        return len(members) > 1 and all(isinstance(m, dict) and as_dict(m.get("properties")) for m in members)

    def _unwrap(self, doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        """``oneOf: [{type: "null"}, X]`` as X made nullable (one copy per wrapper, kept alive)."""
        if id(schema) in self._unwrapped:
            return self._unwrapped[id(schema)][1]
        inner = null_wrapped(schema)
        if inner is None:
            return schema
        target, _ = self.deref(doc, inner, "")
        if not isinstance(target, dict):
            return schema
        copy = {**target, "nullable": True}
        self._unwrapped[id(schema)] = (schema, copy)  # the pair keeps both ids from being reused
        self._null_wrapped.add(id(copy))
        return copy

    def compare(self, base: Any, rev: Any, base_ptr: str, rev_ptr: str) -> list[Raw]:
        """Every neutral difference between two schemas (children included)."""
        if self.unchanged is not None and self.unchanged.same(base, rev):
            return []  # equal, with equal targets: the common case, decided before any deref
        b, bp = self.deref(self.base_doc, base, base_ptr)
        r, rp = self.deref(self.rev_doc, rev, rev_ptr)
        if not isinstance(b, dict) or not isinstance(r, dict):
            return []
        b, r = self._unwrap(self.base_doc, b), self._unwrap(self.rev_doc, r)
        key = (id(b), id(r))
        if key in self._memo:
            return self._memo[key]
        if self.unchanged is not None and self.unchanged.same(b, r):
            self._memo[key] = []
            return []
        if key in self._active:
            return []  # a recursive schema met itself: its changes are reported at the first level
        if len(self._active) >= MAX_SCHEMA_DEPTH:
            if b != r:
                self.too_deep.append(rp or bp)  # not compared further, but never silently
            return []
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

        listed = self._types(b, r, add)
        self._enum(b, r, add)
        for key, stem in _VALUES:
            compare_value(b, r, key, stem, add)
        bx, rx = b.get("x-extensible-enum"), r.get("x-extensible-enum")
        if isinstance(bx, list) and isinstance(rx, list):
            self._values(add, "x-extensible-enum-value-removed", value_delta(bx, rx)[0])
        _limits(b, r, add)
        _presence(b, r, add)
        compare_discriminator(b, r, add)
        compare_keyed(b, r, add)
        for keyword, stem in (("allOf", "all-of"), ("anyOf", "any-of"), ("oneOf", "one-of")):
            if keyword in listed:
                continue  # a list of bare types: compared as types above
            out.extend(self._composition(b, r, bp, rp, keyword, stem))
        out.extend(self._properties(b, r, bp, rp))
        for key in ("items", "additionalProperties", "not"):
            if isinstance(b.get(key), dict) and isinstance(r.get(key), dict):
                sub = self.compare(b[key], r[key], f"{bp}/{key}", f"{rp}/{key}")
                out.extend(raw.under((key,)) for raw in sub)
        return out

    def _enum(self, b: dict[str, Any], r: dict[str, Any], add: Any) -> None:
        """An enum appeared, or values left or joined it."""
        be, re_ = b.get("enum"), r.get("enum")
        if isinstance(re_, list) and not isinstance(be, list):
            add("became-enum", None, re_)
        elif isinstance(be, list) and isinstance(re_, list):
            removed, added = value_delta(be, re_)
            self._values(add, "enum-value-removed", removed)
            self._values(add, "enum-value-added", added)

    def _values(self, add: Any, kind: str, values: list[Any]) -> None:
        """One finding per value, or one summary finding past ``max_enum_values`` of them."""
        if len(values) > self.max_enum_values:
            add(kind, subject=summarise(values))
            return
        removed = kind.endswith("-removed")
        for v in values:
            add(kind, v if removed else None, None if removed else v, v)

    def _types(self, b: dict[str, Any], r: dict[str, Any], add: Any) -> frozenset[str]:
        """Type, format and nullability changes; returns composition keywords already covered."""
        b_list, r_list = type_list(b), type_list(r)
        bt, bn = types_of(b) if b_list is None else listed(b[b_list])
        rt, rn = types_of(r) if r_list is None else listed(r[r_list])
        many = len(bt) > 1 or len(rt) > 1 or b_list is not None or r_list is not None
        if bt and rt and bt != rt:
            if many:
                if rt - bt:
                    add("list-of-types-widened", sorted(bt), sorted(rt))
                if bt - rt:
                    add("list-of-types-narrowed", sorted(bt), sorted(rt))
            else:
                add("type-changed", (min(bt), b.get("format")), (min(rt), r.get("format")))
        elif bt == rt and b.get("format") != r.get("format") and (b.get("format") or r.get("format")):
            add(
                "type-changed",
                (min(bt) if bt else None, b.get("format")),
                (min(rt) if rt else None, r.get("format")),
            )
        if rn and not bn:
            add("null-wrapped" if id(r) in self._null_wrapped else "became-nullable")
        elif bn and not rn:
            add("null-unwrapped" if id(b) in self._null_wrapped else "became-not-nullable")
        return frozenset(k for k in (b_list, r_list) if k is not None and bt and rt)

    def _annotation_only(self, doc: dict[str, Any], node: Any, kw: str) -> str:
        """ "-annotation-only" for an allOf member that constrains nothing, else ""."""
        if kw != "allOf":
            return ""
        target, _ = self.deref(doc, node, "")
        return "-annotation-only" if isinstance(target, dict) and target.keys() <= ANNOTATIONS else ""

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
        r_set, b_set = set(r_keys), set(b_keys)
        pairs = [(b_keys.index(k), j) for j, k in enumerate(r_keys) if k in b_set]
        # A $ref that is gone was removed (and a new one added); inline subschemas that changed
        # shape are paired in order and compared deeply.
        gone = [i for i, k in enumerate(b_keys) if k not in r_set]
        new = [j for j, k in enumerate(r_keys) if k not in b_set]
        inline_b = [i for i in gone if not b_keys[i].startswith("#")]
        inline_r = [j for j in new if not r_keys[j].startswith("#")]
        n = min(len(inline_b), len(inline_r))
        pairs += list(zip(inline_b[:n], inline_r[:n], strict=True))
        for i in [i for i in gone if i not in inline_b[:n]]:
            kind = f"{stem}-removed" + self._annotation_only(self.base_doc, bl[i], kw)
            out.append(Raw(kind, (), bl[i], None, f"{bp}/{kw}/{i}", rp, b_keys[i]))
        for j in [j for j in new if j not in inline_r[:n]]:
            kind = f"{stem}-added" + self._annotation_only(self.rev_doc, rl[j], kw)
            out.append(Raw(kind, (), None, rl[j], bp, f"{rp}/{kw}/{j}", r_keys[j]))
        for i, j in pairs:
            label = b_keys[i] if b_keys[i].startswith("#") else str(j)
            sub = self.compare(bl[i], rl[j], f"{bp}/{kw}/{i}", f"{rp}/{kw}/{j}")
            out.extend(raw.under((f"{kw}[{label.rsplit('/', 1)[-1]}]",)) for raw in sub)
        return out

    def _property_view(
        self, doc: dict[str, Any], schema: dict[str, Any], ptr: str, other: dict[str, Any]
    ) -> tuple[dict[str, tuple[Any, str]], set[str]]:
        """Properties (node, pointer) and required names of ``schema`` as a client sees them.

        When one side declares properties and the other moved them into allOf / oneOf / anyOf
        branches (GitHub's ``owner`` became ``oneOf[simple-user, enterprise]``), the branches'
        properties are read as the schema's own: a property that is still in a branch was not
        removed. A name any branch requires counts as required: that other branches differ is
        the one change reported as ``one-of-added`` (not once more per field as "became optional").
        """
        own = as_dict(schema.get("properties"))
        props = {name: (node, f"{ptr}/properties/{escape(name)}") for name, node in own.items()}
        required = {x for x in as_list(schema.get("required")) if isinstance(x, str)}
        if own or not as_dict(other.get("properties")):
            return props, required
        for kw in ("allOf", "oneOf", "anyOf"):
            if kw in other:
                continue  # both sides compose with it: compared member by member
            branches: list[set[str]] = []
            for i, member in enumerate(as_list(schema.get(kw))):
                node, mptr = self.deref(doc, member, f"{ptr}/{kw}/{i}")
                if not isinstance(node, dict):
                    continue
                for name, sub in as_dict(node.get("properties")).items():
                    props.setdefault(name, (sub, f"{mptr.rstrip('/')}/properties/{escape(name)}"))
                branches.append({x for x in as_list(node.get("required")) if isinstance(x, str)})
            if branches:
                required |= set[str]().union(*branches)
        return props, required

    def _properties(self, b: dict[str, Any], r: dict[str, Any], bp: str, rp: str) -> list[Raw]:
        bview, breq = self._property_view(self.base_doc, b, bp, r)
        rview, rreq = self._property_view(self.rev_doc, r, rp, b)
        bprops = {name: node for name, (node, _) in bview.items()}
        rprops = {name: node for name, (node, _) in rview.items()}
        out: list[Raw] = []
        for name, bs in bprops.items():
            bptr = bview[name][1]
            rptr = rview[name][1] if name in rview else f"{rp}/properties/{escape(name)}"
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
                stability = stability_rule(bres, rres)
                if stability:
                    kind = stability.removeprefix("api-")  # stability-decreased / invalid-stability-level
                    out.append(Raw(kind, (name,), bres, rres, bptr, rptr, name, flags))
            out.extend(raw.under((name,)) for raw in self.compare(bs, rs, bptr, rptr))
        for name, rs in rprops.items():
            if name not in bprops:
                rptr = rview[name][1]
                rres, _ = self.deref(self.rev_doc, rs, rptr)
                out.append(
                    Raw("property-added", (name,), None, rres, bp, rptr, name, flags_of(rres, name in rreq))
                )
        return out


def _limits(b: dict[str, Any], r: dict[str, Any], add: Any) -> None:
    """Numeric limits (maximum, maxLength, …) set, unset, increased or decreased."""
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


def _presence(b: dict[str, Any], r: dict[str, Any], add: Any) -> None:
    """Keywords whose presence alone is the change (prefixItems, if/then/else, contains, …)."""
    for key, stem in _PRESENCE:
        if key in r and key not in b:
            add(f"{stem}-added", None, r[key])
        elif key in b and key not in r:
            add(f"{stem}-removed", b[key], None)
