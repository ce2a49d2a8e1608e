"""Neutral schema findings → oasdiff rule ids and sentences, by where the schema sits."""

from __future__ import annotations

from typing import Any

from agent.diff.catalogue import known
from agent.diff.findings import ValueSummary
from agent.diff.schema import Raw

# Where a schema sits decides the rule family: (prefix at the root, prefix below the root).
PREFIXES = {
    "param": ("request-parameter-", "request-parameter-property-"),
    "request": ("request-body-", "request-property-"),
    "response": ("response-body-", "response-property-"),
    "header": ("response-header-", "response-header-"),
}
_PROPERTY_KINDS = frozenset(
    {"property-added", "property-removed", "became-required", "became-optional", "became-read-only",
     "became-write-only", "became-not-read-only", "became-not-write-only", "became-deprecated",
     "became-not-deprecated", "stability-decreased", "stability-increased"}
)  # fmt: skip
_SPECIAL_ROOT = {
    ("response", "enum-value-removed"): "response-mediatype-enum-value-removed",
    ("response", "enum-value-added"): "response-property-enum-value-added",
}


def _fmt(value: Any) -> str:
    if isinstance(value, tuple) and len(value) == 2 and (value[1] is None or isinstance(value[1], str)):
        kind, fmt = value
        return f"{kind}/{fmt}" if fmt else str(kind)
    return repr(value) if isinstance(value, str) else str(value)


def rule_for(raw: Raw, scope: str) -> str | None:
    """The oasdiff rule id for ``raw`` in ``scope``, or None when oasdiff has no such rule."""
    root = not raw.path
    kind = raw.kind
    if kind == "invalid-stability-level":
        return "api-invalid-stability-level"
    if kind in ("null-wrapped", "null-unwrapped"):
        # a parameter has no became-nullable rule in oasdiff's tests: null joins its type list
        if scope == "param" and root:
            return "request-parameter-list-of-types-" + ("widened" if kind == "null-wrapped" else "narrowed")
        kind = "became-nullable" if kind == "null-wrapped" else "became-not-nullable"
    if kind in _PROPERTY_KINDS:
        return _property_rule(raw, scope)
    if (scope, kind) in _SPECIAL_ROOT and root:
        return _SPECIAL_ROOT[(scope, kind)]
    if scope == "response" and kind.endswith("-annotation-only"):
        return None  # constrains nothing the client reads: oasdiff's tests expect silence
    prefix = PREFIXES[scope][0 if root else 1]
    if scope == "response" and kind.endswith("-enum-value-added") and "write-only" in raw.flags:
        return "response-write-only-property-enum-value-added"
    if kind == "type-changed":
        kind = _type_kind(raw, scope)
    for candidate in (prefix + kind, PREFIXES[scope][1] + kind, PREFIXES[scope][0] + kind):
        if known(candidate):
            return candidate
    return None


def _type_kind(raw: Raw, scope: str) -> str:
    before, after = raw.subject if isinstance(raw.subject, tuple) else (None, None)
    b = before[0] if isinstance(before, tuple) else None
    a = after[0] if isinstance(after, tuple) else None
    widening = (b, a) == ("integer", "number")
    if scope in ("param", "request") and widening:
        return "type-generalized"
    if scope in ("response", "header") and (b, a) == ("number", "integer"):
        return "type-specialized"
    if scope == "param" and b == "string" and a in ("number", "integer", "boolean"):
        return "type-specialized"  # query values are text: a typed value accepts fewer of them
    return "type-changed"


def _property_rule(raw: Raw, scope: str) -> str | None:
    required = "required" in raw.flags
    wo, ro = "write-only" in raw.flags, "read-only" in raw.flags
    req = "required" if required else "optional"
    kind = raw.kind
    if scope == "request":
        if ro and kind in ("property-added", "property-removed", "became-required", "became-optional"):
            return None  # readOnly properties are not sent: oasdiff ignores them in requests
        table = {
            "property-added": (
                f"new-{req}-request-property"
                + ("-with-default" if required and "default" in raw.flags else "")
            ),
            "property-removed": "request-property-removed",
            "became-required": "request-property-became-required"
            + ("-with-default" if "default" in raw.flags else ""),
            "became-optional": "request-property-became-optional",
            "became-deprecated": "request-property-deprecated",
            "became-not-deprecated": "request-property-reactivated",
            "stability-decreased": "request-property-stability-decreased",
            "stability-increased": "request-property-stability-increased",
        }
    elif scope == "response":
        if wo and kind in ("became-optional",):
            return None
        sub = "write-only-property" if wo else "property"
        table = {
            "property-added": f"response-{req}-{sub}-added",
            "property-removed": f"response-{req}-{sub}-removed",
            "became-required": f"response-{'write-only-property' if wo else 'property'}-became-required",
            "became-optional": "response-property-became-optional",
            "became-deprecated": "response-property-deprecated",
            "became-not-deprecated": "response-property-reactivated",
            "stability-decreased": "response-property-stability-decreased",
            "stability-increased": "response-property-stability-increased",
        }
    else:
        table = {}
    if kind in table:
        return table[kind] if known(table[kind]) else None
    for attr in ("read-only", "write-only"):
        if kind in (f"became-{attr}", f"became-not-{attr}"):
            candidate = f"{scope}-{req}-property-{kind}"
            return candidate if known(candidate) else None
    return None


def sentence(raw: Raw, scope: str, where: str) -> str:
    """One human sentence for ``raw`` (``where`` names the parameter, body or response)."""
    prop = "/".join(raw.path)
    at = f"property '{prop}' of {where}" if prop else where
    subject = raw.subject
    kind = raw.kind
    if kind == "property-added":
        req = "required" if "required" in raw.flags else "optional"
        return f"added the {req} property '{prop}' to {where}"
    if kind == "property-removed":
        req = "required" if "required" in raw.flags else "optional"
        return f"removed the {req} property '{prop}' from {where}"
    if kind.endswith(("enum-value-added", "enum-value-removed")) and isinstance(subject, ValueSummary):
        verb = "added" if kind.endswith("added") else "removed"
        word = "extensible enum" if kind.startswith("x-") else "enum"
        return f"{verb} {subject} of the {word} {'to' if verb == 'added' else 'from'} {at}"
    if kind.startswith("enum-value-"):
        verb = "added" if kind.endswith("added") else "removed"
        return f"{verb} the enum value {_fmt(subject)} {'to' if verb == 'added' else 'from'} {at}"
    if kind.startswith("became-"):
        return f"{at} became {kind[len('became-') :].replace('-', ' ')}"
    if isinstance(subject, tuple) and len(subject) == 2:
        before, after = subject
        label = kind.replace("-", " ")
        if before is None:
            return f"{label} for {at}: {_fmt(after)}"
        if after is None:
            return f"{label} for {at} (was {_fmt(before)})"
        return f"{label} for {at}: {_fmt(before)} -> {_fmt(after)}"
    return f"{kind.replace('-', ' ')} for {at}: {_fmt(subject)}"
