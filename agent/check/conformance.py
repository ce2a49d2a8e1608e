"""Does a Postman request conform to its operation? Parameters and body against their schemas."""

from __future__ import annotations

import json
from typing import Any

from agent.boundary.outbound.request import cookie_pairs
from agent.check.spec_context import SpecContext
from agent.generate.requests import sigv4
from agent.specs.document import Operation


def _coerce(value: str, schema: Any) -> Any:
    """A parameter string as the type its schema wants (so "42" can be an integer)."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    kinds = kind if isinstance(kind, list) else [kind]
    try:
        if "integer" in kinds:
            return int(value)
        if "number" in kinds:
            return float(value)
        if "boolean" in kinds and value in ("true", "false"):
            return value == "true"
        if ("array" in kinds or "object" in kinds) and value[:1] in "[{":
            return json.loads(value)
        if "array" in kinds:
            return value.split(",")
    except ValueError:
        return value
    return value


def _is_variable(value: str) -> bool:
    return value.startswith("{{") and value.endswith("}}")


def _check(ctx: SpecContext, label: str, value: str, schema: Any) -> list[str]:
    if _is_variable(value):
        return []
    raw = schema if schema is not None else {}
    converted, validator = ctx.converted(raw), ctx.validator(raw)
    return [f"{label}: {e.message[:160]}" for e in validator.iter_errors(_coerce(value, converted))][:3]


def request_violations(
    ctx: SpecContext, op: Operation, request: dict[str, Any], path_values: dict[str, str]
) -> list[str]:
    """Human-readable reasons the request breaks the operation's contract (empty: it conforms)."""
    raw_url = request.get("url")
    url: dict[str, Any] = raw_url if isinstance(raw_url, dict) else {}
    query = {
        str(q.get("key")): str(q.get("value") or "")
        for q in url.get("query") or []
        if isinstance(q, dict) and not q.get("disabled")
    }
    headers = {
        str(h.get("key", "")).lower(): str(h.get("value", ""))
        for h in request.get("header") or []
        if isinstance(h, dict) and not h.get("disabled")
    }
    cookies = _cookies(request.get("header"))
    out: list[str] = []
    for param in ctx.params(op):
        where, name = str(param.get("in")), str(param.get("name"))
        if where == "path":
            value: str | None = path_values.get(name)
        elif where == "query":
            value = query.get(name)
        elif where == "header":
            value = headers.get(name.lower())
        elif where == "cookie":
            value = cookies.get(name)
        else:
            continue
        if value is None:
            if param.get("required"):
                out.append(f"required {where} parameter '{name}' is missing")
            continue
        out += _check(ctx, f"{where} parameter '{name}'", value, param.get("schema"))
    out += _auth(ctx, op, headers, query, cookies, request.get("auth"))
    out += _body(ctx, op, request, headers)
    return out


def _cookies(header: Any) -> dict[str, str]:
    """name -> value of every pair of every enabled Cookie header (requests may send several)."""
    out: dict[str, str] = {}
    for entry in header if isinstance(header, list) else []:
        if (
            isinstance(entry, dict)
            and not entry.get("disabled")
            and str(entry.get("key", "")).strip().lower() == "cookie"
        ):
            out.update((name, value) for name, value in cookie_pairs(str(entry.get("value", ""))) if name)
    return out


def _auth(
    ctx: SpecContext,
    op: Operation,
    headers: dict[str, str],
    query: dict[str, str],
    cookies: dict[str, str],
    auth: Any = None,
) -> list[str]:
    for scheme in ctx.security(op):
        kind = str(scheme.get("type", "")).lower()
        if sigv4(scheme):  # newman signs the request: its awsv4 auth must be there
            present = isinstance(auth, dict) and auth.get("type") == "awsv4"
        elif kind == "apikey":
            name, where = str(scheme.get("name", "")), scheme.get("in")
            present = (
                name in query
                if where == "query"
                else (name in cookies if where == "cookie" else name.lower() in headers)
            )
        else:
            present = "authorization" in headers
        if not present:
            return [f"credentials for the '{kind}' security scheme are missing"]
    return []


def _body(ctx: SpecContext, op: Operation, request: dict[str, Any], headers: dict[str, str]) -> list[str]:
    required, media, schema = ctx.request_body(op)
    body = request.get("body")
    if not isinstance(body, dict) or body.get("disabled"):
        return ["the required request body is missing"] if required else []
    if media is None:
        return ["the operation takes no request body"]
    if body.get("mode") != "raw" or "json" not in media:
        return []
    raw = str(body.get("raw") or "")
    if "{{" in raw:
        return []  # templated bodies are checked when they run
    try:
        value = json.loads(raw)
    except ValueError:
        return ["the request body is not valid JSON"]
    if schema is None:
        return []
    validator = ctx.validator(schema)
    errors = [f"request body: {e.message[:160]}" for e in validator.iter_errors(value)][:5]
    content_type = headers.get("content-type", "")
    if content_type and content_type.split(";")[0].strip() != media.split(";")[0].strip():
        errors.append(f"Content-Type {content_type!r} is not the declared {media!r}")
    return errors
