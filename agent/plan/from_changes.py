"""Diff changes → draft test intents, one rule family per kind of change."""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

from agent.generate import spec_view
from agent.limits import DEFAULT_LIMITS, Limits
from agent.models import Change, Finding, IntentKind
from agent.plan.draft import Draft
from agent.plan.targets import property_path, quoted, status_in_text
from agent.specs.document import Operation, deref_schema

_ADDED = {"endpoint-added", "endpoint-reactivated", "api-path-added"}
_GONE = {
    "api-path-removed-without-deprecation",
    "api-path-removed-with-deprecation",
    "api-path-removed-before-sunset",
    "api-removed-without-deprecation",
    "api-removed-with-deprecation",
    "api-removed-before-sunset",
    "endpoint-removed",
}
_TOLERANT_MARKS = ("became-nullable", "became-optional")


def drafts_for_change(
    change: Change, doc: dict[str, Any], limits: Limits = DEFAULT_LIMITS, notes: list[Finding] | None = None
) -> list[Draft]:
    """The drafts one change calls for; none when its operation is gone from the new spec.

    An enum gets one draft per value only up to ``limits.max_intents_per_operation`` values
    (no operation keeps more intents than that); the values left out go to ``notes``.
    """
    if change.id in _GONE:
        return []
    op = spec_view.find_operation(doc, change.method, change.path)
    if op is None:
        return []
    cid = change.id
    if cid in _ADDED:
        return added_operation(doc, op, change.text)
    if "enum-value" in cid or "became-enum" in cid:
        return _enum(change, doc, op, limits.max_intents_per_operation, notes)
    if cid.startswith("response-") and cid.endswith("property-removed"):
        return _property_removed(change, doc, op)
    if cid.startswith("response-") and any(mark in cid for mark in _TOLERANT_MARKS):
        return [contract(op, IntentKind.TOLERANT, f"{op.key} must tolerate: {change.text}")]
    if cid.endswith("-status-added"):
        return _status_added(change, doc, op)
    if _is_new_required(cid):
        return _new_required(change, doc, op)
    if cid.startswith("response-"):
        return [contract(op, IntentKind.CONTRACT, f"{op.key} response follows the new contract")]
    return [happy(op, f"{op.key} accepts a request shaped by the new spec")]


def added_operation(doc: dict[str, Any], op: Operation, why: str = "") -> list[Draft]:
    """Happy path, contract, and a negative test per required non-path input."""
    out = [
        happy(op, f"{op.key} answers a valid request"),
        contract(op, IntentKind.CONTRACT, f"{op.key} response matches its schema"),
    ]
    out += missing_required(doc, op, None)
    return out


def happy(op: Operation, text: str, details: dict[str, Any] | None = None) -> Draft:
    return Draft(
        IntentKind.HAPPY_PATH,
        op.key,
        op.path,
        op.method.upper(),
        spec_view.success_status(op),
        text,
        details or {},
    )


def contract(op: Operation, kind: IntentKind, text: str, details: dict[str, Any] | None = None) -> Draft:
    return Draft(kind, op.key, op.path, op.method.upper(), spec_view.success_status(op), text, details or {})


def missing_required(doc: dict[str, Any], op: Operation, only: set[str] | None) -> list[Draft]:
    """A 4XX test per required query/header/cookie parameter and body (property), filtered by name.

    None where the operation declares no 4xx response (nor a range or ``default``): a test that
    expects a status the spec does not declare would be refused by our own check.
    """
    out: list[Draft] = []
    if not spec_view.status_declared(op, "4XX"):
        return out
    for param in spec_view.params(doc, op):
        where, name = str(param.get("in")), str(param.get("name"))
        if where == "path" or not param.get("required") or (only is not None and name not in only):
            continue
        out.append(_missing(op, f"the required {where} parameter '{name}'", {"in": where, "name": name}))
    required, media, schema = spec_view.request_body(doc, op)
    if not required:
        return out
    if only is None:
        out.append(_missing(op, "its required body", {"in": "body"}))
    props = required_body_properties(media, schema)
    if only is not None:
        props &= only
    for name in sorted(props):
        out.append(_missing(op, f"the required body property '{name}'", {"in": "body", "property": name}))
    return out


def _missing(op: Operation, what: str, omit: dict[str, str]) -> Draft:
    """A negative test: ``op`` without ``what`` must get the failure status its spec declares."""
    status = failure_status(op)
    return Draft(
        IntentKind.MISSING_REQUIRED,
        op.key,
        op.path,
        op.method.upper(),
        status,
        f"{op.key} without {what} gets {'a 4XX' if status == '4XX' else status}",
        {"omit": omit},
    )


def failure_status(op: Operation) -> str:
    """The status a request missing a required input must get: 400 or 422 when the operation
    declares exactly one of them, else "4XX" ("any 4XX" passes where the route is gone, as 404;
    the status script pins that out too)."""
    declared = [s for s in ("400", "422") if s in spec_view.statuses(op)]
    return declared[0] if len(declared) == 1 else "4XX"


def required_body_properties(media: str | None, schema: Any) -> set[str]:
    """Top-level required properties of a JSON object body that a request must send."""
    if not isinstance(schema, dict) or "json" not in (media or ""):
        return set()
    props = schema.get("properties") or {}
    return {
        str(name)
        for name in schema.get("required") or []
        # OpenAPI: a required readOnly property is required in responses only.
        if not (isinstance(props.get(name), dict) and props[name].get("readOnly"))
    }


def _is_new_required(cid: str) -> bool:
    return ("required" in cid and ("new-" in cid or "became-required" in cid)) and "response" not in cid


def _new_required(change: Change, doc: dict[str, Any], op: Operation) -> list[Draft]:
    names = set(quoted(change))
    negatives = missing_required(doc, op, names)
    if not negatives and "body" in change.id:
        negatives = missing_required(doc, op, None)[-1:]
    if not negatives:
        negatives = missing_required(doc, op, {n for n in _required_inputs(doc, op)})
    return [*negatives, happy(op, f"{op.key} succeeds with every required input present")]


def _required_inputs(doc: dict[str, Any], op: Operation) -> list[str]:
    return [
        str(p.get("name")) for p in spec_view.params(doc, op) if p.get("required") and p.get("in") != "path"
    ]


def _enum(
    change: Change, doc: dict[str, Any], op: Operation, cap: int, notes: list[Finding] | None
) -> list[Draft]:
    if change.id.startswith("response-"):
        return [
            contract(
                op,
                IntentKind.ENUM_VALUES,
                f"{op.key} returns only values of the new enum ({change.text})",
                {"response_enum": True},
            )
        ]
    names = set(quoted(change))
    out: list[Draft] = []
    for param in spec_view.params(doc, op):
        schema = deref_schema(doc, param.get("schema") or {})
        values = schema.get("enum") if isinstance(schema, dict) else None
        if values and str(param.get("name")) in names:
            out += _enum_drafts(op, {"in": param.get("in"), "name": param.get("name")}, values, cap, notes)
    _required, _media, body = spec_view.request_body(doc, op)
    props = (body.get("properties") or {}) if isinstance(body, dict) else {}
    enum_props = {n: s["enum"] for n, s in props.items() if isinstance(s, dict) and s.get("enum")}
    chosen = [n for n in enum_props if n in names]
    if not chosen and not out and change.id.startswith("request-property"):
        chosen = list(enum_props)  # the text named no property we know: test every enum property
    for name in chosen:
        out += _enum_drafts(op, {"in": "body", "property": name}, enum_props[name], cap, notes)
    return out or [happy(op, f"{op.key} accepts the new enum values")]


def _enum_drafts(
    op: Operation, target: dict[str, Any], values: list[Any], cap: int, notes: list[Finding] | None
) -> list[Draft]:
    label = target.get("name") or target.get("property")
    usable = list(islice((v for v in values if v is not None), cap))  # the list may be huge
    total = len(values)
    if total > cap and notes is not None:
        notes.append(
            Finding(
                severity="warning",
                code="limit-enum-values",
                message=f"{op.key}: {total:,} enum values of {target.get('in')} {label!r}: "
                f"only the first {cap:,} are tested (limits.max_intents_per_operation)",
                location=op.key,
            )
        )
    return [
        happy(op, f"{op.key} accepts {label}={value!r}", {"set": {**target, "value": value}})
        for value in usable
    ]


def _property_removed(change: Change, doc: dict[str, Any], op: Operation) -> list[Draft]:
    path = property_path(change)
    status = status_in_text(change) or spec_view.success_status(op)
    if not status.startswith("2"):
        return [contract(op, IntentKind.CONTRACT, f"{op.key} response follows the new contract")]
    if not path:
        return [contract(op, IntentKind.PROPERTY_REMOVED, f"{op.key} returns the new shape")]
    _media, schema = spec_view.response_media(doc, op, status)
    if still_returned(schema, path):
        # it moved (into an allOf/oneOf/anyOf branch, say): asserting its absence would be wrong
        return [contract(op, IntentKind.CONTRACT, f"{op.key} response follows the new contract")]
    return [
        contract(
            op,
            IntentKind.PROPERTY_REMOVED,
            f"{op.key} no longer returns '{'/'.join(path)}'",
            {"removed": path},
        )
    ]


_BRANCH = re.compile(r"(allOf|oneOf|anyOf)\[[^\]]*\]")


def still_returned(schema: Any, path: list[str]) -> bool:
    """Whether the resolved schema can still return the property at ``path`` in some branch.

    ``items`` steps into array elements; a composition keyword, or a ``oneOf[name]`` segment of
    our own diff sentences, is looked through: every allOf / oneOf / anyOf member is searched.
    """
    if not path:
        return True
    if not isinstance(schema, dict):
        return False
    head, rest = path[0], path[1:]
    if _BRANCH.fullmatch(head):
        return still_returned({k: schema[k] for k in ("allOf", "oneOf", "anyOf") if k in schema}, rest)
    for kw in ("allOf", "oneOf", "anyOf"):
        members = schema.get(kw)
        if isinstance(members, list) and any(still_returned(m, path) for m in members):
            return True
    props = schema.get("properties")
    if isinstance(props, dict) and head in props:
        return still_returned(props[head], rest)
    return head == "items" and still_returned(schema.get("items"), rest)


def _status_added(change: Change, doc: dict[str, Any], op: Operation) -> list[Draft]:
    status = status_in_text(change)
    if status is None:
        return [contract(op, IntentKind.CONTRACT, f"{op.key} response follows the new contract")]
    if status.startswith("2"):
        return [
            Draft(
                IntentKind.HAPPY_PATH,
                op.key,
                op.path,
                op.method.upper(),
                status,
                f"{op.key} answers {status}",
                {},
            )
        ]
    if status in ("401", "403") and spec_view.security_schemes(doc, op) and status == "401":
        return [
            Draft(
                IntentKind.MISSING_REQUIRED,
                op.key,
                op.path,
                op.method.upper(),
                status,
                f"{op.key} without credentials gets {status}",
                {"omit": {"in": "auth"}},
            )
        ]
    if status in ("400", "422"):
        negatives = missing_required(doc, op, None)
        return negatives[:1]
    return []
