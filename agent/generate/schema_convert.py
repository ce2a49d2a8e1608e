"""OpenAPI schema objects → plain JSON Schema (draft-07) that Ajv 6 (Postman) and jsonschema accept."""

from __future__ import annotations

from typing import Any

from agent.specs.document import deref_schema

# Keywords both validators understand; OpenAPI-only ones (example, xml, discriminator, ...) are
# dropped because Ajv ignores them at best and rejects some at worst.
_KEEP = {
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minProperties",
    "maxProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "format",
    "patternProperties",
}
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
# Formats Ajv 6 knows: any other (int32, byte, password, ...) would make Postman's Ajv throw.
AJV_FORMATS = {
    "date",
    "time",
    "date-time",
    "uri",
    "uri-reference",
    "uri-template",
    "url",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "regex",
    "uuid",
    "json-pointer",
    "relative-json-pointer",
}


def to_json_schema(doc: dict[str, Any], schema: Any, *, openapi_version: str = "3.0") -> Any:
    """A resolved, draft-07 JSON Schema for an OpenAPI schema object (refs inlined)."""
    resolved = deref_schema(doc, schema)
    return _convert(resolved, legacy=openapi_version.startswith(("3.0", "2.")))


def _convert(node: Any, *, legacy: bool) -> Any:
    if not isinstance(node, dict):
        return {} if node is True or node is None else node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key not in _KEEP:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _convert(sub, legacy=legacy) for name, sub in value.items()}
        elif key == "patternProperties" and isinstance(value, dict):
            out[key] = {pat: _convert(sub, legacy=legacy) for pat, sub in value.items()}
        elif key in ("items", "not") and isinstance(value, dict):
            out[key] = _convert(value, legacy=legacy)
        elif key == "additionalProperties":
            out[key] = _convert(value, legacy=legacy) if isinstance(value, dict) else bool(value)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_convert(sub, legacy=legacy) for sub in value]
        elif key == "format":
            if value in AJV_FORMATS:
                out[key] = value
        else:
            out[key] = value
    if legacy:
        _legacy_bounds(node, out)
        if node.get("nullable") is True:
            return _nullable(out)
    return out


def _legacy_bounds(node: dict[str, Any], out: dict[str, Any]) -> None:
    """OpenAPI 3.0 boolean exclusiveMinimum/Maximum → draft-07 numbers."""
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(flag), bool):
            out.pop(flag, None)
            if node[flag] and bound in node:
                out[flag] = out.pop(bound)


def _nullable(out: dict[str, Any]) -> dict[str, Any]:
    """Apply OpenAPI 3.0 ``nullable: true``: null joins the type list (and the enum)."""
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list):
        if "null" not in kind:
            out["type"] = [*kind, "null"]
    else:
        return {"anyOf": [out, {"type": "null"}]}
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out
