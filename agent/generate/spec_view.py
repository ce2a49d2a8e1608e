"""Read-only questions the planner and generator ask of a spec: statuses, media, security, params."""

from __future__ import annotations

from typing import Any

from agent.specs.document import Operation, deref_schema, path_index, resolve

JSON_MEDIA = ("application/json", "application/problem+json")


def find_operation(doc: dict[str, Any], method: str, path: str) -> Operation | None:
    """The operation for ``method`` + ``path`` (a spec path template), if the spec has it."""
    return path_index(doc).get(method, path)  # indexed once per document


def statuses(op: Operation) -> list[str]:
    """Declared response keys ("200", "4XX", "default") in document order."""
    responses = op.spec.get("responses") or {}
    return [str(code) for code in responses] if isinstance(responses, dict) else []


def success_status(op: Operation) -> str:
    """The lowest declared 2xx code, else "2XX"."""
    codes = sorted(s for s in statuses(op) if s.isdigit() and s.startswith("2"))
    return codes[0] if codes else "2XX"


def status_declared(op: Operation, status: str) -> bool:
    """Whether ``status`` (a code or a range like "4XX") is covered by the declared responses."""
    declared = statuses(op)
    if "default" in declared or status in declared:
        return True
    upper = status.upper()
    if upper.endswith("XX"):
        return any(s[:1] == upper[:1] for s in declared)
    return f"{status[:1]}XX" in {s.upper() for s in declared}


def response(doc: dict[str, Any], op: Operation, status: str) -> dict[str, Any]:
    """The resolved response object for ``status`` (exact, then range, then default)."""
    responses = op.spec.get("responses") or {}
    for key in (status, f"{status[:1]}XX", f"{status[:1]}xx", "default"):
        if key in responses:
            found = resolve(doc, responses[key])
            return found if isinstance(found, dict) else {}
    return {}


def pick_media(content: Any) -> tuple[str | None, dict[str, Any]]:
    """The preferred (JSON first) media type of a content map and its media object."""
    if not isinstance(content, dict) or not content:
        return None, {}
    for media in content:
        base = str(media).split(";")[0].strip().lower()
        if base in JSON_MEDIA or base.endswith("+json"):
            return str(media), content[media] if isinstance(content[media], dict) else {}
    first = next(iter(content))
    return str(first), content[first] if isinstance(content[first], dict) else {}


def response_media(doc: dict[str, Any], op: Operation, status: str) -> tuple[str | None, Any]:
    """(media type, resolved schema or None) of the response for ``status``."""
    media, obj = pick_media(response(doc, op, status).get("content"))
    schema = obj.get("schema")
    return media, deref_schema(doc, schema) if schema is not None else None


def response_headers(doc: dict[str, Any], op: Operation, status: str) -> dict[str, dict[str, Any]]:
    """Declared response headers (resolved), Content-Type excluded as OpenAPI says."""
    headers = response(doc, op, status).get("headers") or {}
    out: dict[str, dict[str, Any]] = {}
    for name, raw in headers.items() if isinstance(headers, dict) else []:
        if str(name).lower() == "content-type":
            continue
        header = resolve(doc, raw)
        if isinstance(header, dict):
            out[str(name)] = header
    return out


def request_body(doc: dict[str, Any], op: Operation) -> tuple[bool, str | None, Any]:
    """(required, media type, resolved schema) of the operation's request body."""
    body = resolve(doc, op.spec.get("requestBody"))
    if not isinstance(body, dict):
        return False, None, None
    media, obj = pick_media(body.get("content"))
    schema = obj.get("schema")
    return bool(body.get("required")), media, deref_schema(doc, schema) if schema is not None else None


def params(doc: dict[str, Any], op: Operation) -> list[dict[str, Any]]:
    """Resolved parameters, minus the headers OpenAPI says to ignore."""
    ignored = {"accept", "content-type", "authorization"}
    return [
        p
        for p in op.parameters(doc)
        if not (p.get("in") == "header" and str(p.get("name", "")).lower() in ignored)
    ]


def security_schemes(doc: dict[str, Any], op: Operation) -> list[dict[str, Any]]:
    """The schemes of the first security requirement that applies (empty: no auth)."""
    requirements = op.spec.get("security", doc.get("security")) or []
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    for requirement in requirements:
        if not isinstance(requirement, dict):
            continue
        found = [resolve(doc, schemes[name]) for name in requirement if name in schemes]
        return [s for s in found if isinstance(s, dict)]
    return []


def openapi_version(doc: dict[str, Any]) -> str:
    """The document's OpenAPI (or Swagger) version string."""
    return str(doc.get("openapi") or doc.get("swagger") or "3.0")
