"""Whether a value a spec offers (example, default) fits its own schema's simple keywords.

Real specs carry examples that break their own schema (``"sha256:0ecb..."`` under a 71-character
pattern, a relative path under ``format: uri``, a string example for an array, Square's
``{"request_body": {...}}`` wrapper lacking every required property); copied into a request,
they make a test that our own check refuses. Only cheap, local keywords are judged: type, enum,
length, pattern, a few formats, numeric bounds, an object's required and closed properties and
item counts, down into properties and items (to a bounded depth). Anything else is trusted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}
_FORMATS = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "date-time": re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?"),
    "uri": re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*"),
    "url": re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*"),
    "email": re.compile(r"[^@\s]+@[^@\s]+"),
    "uuid": re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
}


@lru_cache(maxsize=2048)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None  # ECMA-only syntax Python cannot read: not judged


def matches(pattern: str, value: str) -> bool:
    """Whether ``value`` matches the (unanchored, as in JSON Schema) ``pattern``; True when unreadable."""
    compiled = _compiled(pattern)
    return compiled is None or compiled.search(value) is not None


_DEPTH = 8  # nesting judged; deeper values are trusted


def fits(value: Any, schema: dict[str, Any], _depth: int = 0) -> bool:
    """Whether ``value`` satisfies the simple keywords of ``schema`` (see the module docstring)."""
    if _depth > _DEPTH:
        return True
    parts = schema.get("allOf")
    if isinstance(parts, list) and not all(fits(value, p, _depth + 1) for p in parts if isinstance(p, dict)):
        return False  # an enum wrapped as allOf: [$ref] still binds the value
    if value is None:
        return schema.get("nullable") is True or schema.get("type") == "null"
    kind = schema.get("type")
    wanted = _TYPES.get(kind) if isinstance(kind, str) else None
    if wanted is not None and (
        isinstance(value, bool) != (kind == "boolean") or not isinstance(value, wanted)
    ):
        return False
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and value not in enum:
        return False
    if isinstance(value, str):
        return _string_fits(value, schema)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_fits(value, schema)
    if isinstance(value, dict):
        return _object_fits(value, schema, _depth)
    if isinstance(value, list):
        return _array_fits(value, schema, _depth)
    return True


def _object_fits(value: dict[str, Any], schema: dict[str, Any], depth: int) -> bool:
    required = schema.get("required")
    if isinstance(required, list) and any(isinstance(n, str) and n not in value for n in required):
        return False
    props = schema.get("properties")
    props = props if isinstance(props, dict) else {}
    if schema.get("additionalProperties") is False and props and any(k not in props for k in value):
        return False
    return all(fits(v, props[k], depth + 1) for k, v in value.items() if isinstance(props.get(k), dict))


def _array_fits(value: list[Any], schema: dict[str, Any], depth: int) -> bool:
    low, high = schema.get("minItems"), schema.get("maxItems")
    if isinstance(low, int) and len(value) < low or isinstance(high, int) and len(value) > high:
        return False
    items = schema.get("items")
    return not isinstance(items, dict) or all(fits(v, items, depth + 1) for v in value[:64])


def _string_fits(value: str, schema: dict[str, Any]) -> bool:
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(low, int) and len(value) < low or isinstance(high, int) and len(value) > high:
        return False
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not matches(pattern, value):
        return False
    shape = _FORMATS.get(str(schema.get("format")))
    return shape is None or shape.fullmatch(value) is not None


def _number_fits(value: float, schema: dict[str, Any]) -> bool:
    def bound(key: str) -> float | None:
        raw = schema.get(key)
        return raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None

    low, high = bound("minimum"), bound("maximum")
    ex_low, ex_high = bound("exclusiveMinimum"), bound("exclusiveMaximum")
    if low is not None and (value < low or (schema.get("exclusiveMinimum") is True and value == low)):
        return False
    if high is not None and (value > high or (schema.get("exclusiveMaximum") is True and value == high)):
        return False
    return (ex_low is None or value > ex_low) and (ex_high is None or value < ex_high)
