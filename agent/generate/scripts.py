"""Postman test-script lines (``pm.test`` blocks) for statuses, media, schemas, fields, headers.

Scripts are built safely by construction: the code is our own fixed text (``_code``
templates) and every value from a spec, log or model enters it only through ``literal``,
as JSON text that is ASCII and has ``<``, ``>`` and ``&`` escaped, so no name can end a
string, open a comment, break a line or close an HTML ``<script>`` element. Status codes
are checked against ``^[1-5](XX|[0-9]{2})$`` first. A value that cannot be written safely
raises ``Refused``; the caller leaves that assertion out and records why.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from agent.jsontext import pretty

_STATUS = re.compile(r"[1-5](?:XX|[0-9]{2})")
# json.dumps(ensure_ascii=True) already escapes U+2028/U+2029; kept here so no encoder change can undo it
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=True, allow_nan=False)  # built once: ~3x faster
_INERT = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


# A hostile spec's enum of a million values must not be serialised into every test (it once
# took 4 GB and crashed in the encoder): such a value is refused before it is encoded, and the
# assertion that wanted it is left out with a finding. Far below the policy's script size cap.
MAX_NODES = 20_000
# A response schema is stored once per collection, as a collection variable named by its
# content; one larger than this is left out (with a finding) so the collection stays bounded.
MAX_SCHEMA_CHARS = 1_000_000
SCHEMA_VARIABLE = "pwSchema-"


class Refused(ValueError):
    """A value that cannot enter a script safely (not plain JSON, or not a status code)."""


def literal(value: Any, *, indent: bool = False) -> str:
    """``value`` as an inert JavaScript literal (JSON, keys sorted); the only way values enter code."""
    if type(value) is int:  # status codes and bounds: the encoder's setup costs more than this
        return str(value)
    if _oversized(value):
        raise Refused(f"a value of more than {MAX_NODES:,} items does not fit in a test script")
    try:
        text = _indented(value) if indent else _ENCODER.encode(value)
    except (TypeError, ValueError, RecursionError) as exc:
        raise Refused(f"not a plain JSON value ({type(exc).__name__})") from None
    for char, escaped in _INERT:
        if char in text:
            text = text.replace(char, escaped)
    return text


def _oversized(value: Any) -> bool:
    """Whether ``value`` holds more than :data:`MAX_NODES` items; stops counting there."""
    count, stack = 0, [value]
    while stack:
        node = stack.pop()
        if isinstance(node, (dict, list)):
            count += len(node)
            if count > MAX_NODES:
                return True
            stack.extend(node.values() if isinstance(node, dict) else node)
    return False


def _indented(value: Any) -> str:
    """Indented JSON; NaN and Infinity refused (ValueError) like the compact encoder does."""
    text = pretty(value, sort_keys=True, ensure_ascii=True)
    # orjson writes NaN and Infinity as null, the standard library as identifiers: only text
    # holding one of those words can hide one, so only that text pays for the strict encoder
    if "null" in text or "NaN" in text or "Infinity" in text:
        _ENCODER.encode(value)
    return text


def status_code(expected: str) -> str:
    """``expected`` as "NNN" or "NXX" (an "nxx" range is upper-cased), else ``Refused``."""
    upper = expected.upper() if isinstance(expected, str) else ""
    if not _STATUS.fullmatch(upper):
        raise Refused(f"status {ascii(expected)[:40]} is not a code 100-599 or a range like 4XX")
    return upper


def _code(template: str, *values: Any) -> str:
    """One line of our code: each ``%s`` in ``template`` becomes the next value as a literal."""
    return template % tuple(literal(v) for v in values)


def _test(name: str, *body: str) -> list[str]:
    """A ``pm.test`` block named ``name`` (a literal) around our own ``body`` lines."""
    return [_code("pm.test(%s, function () {", name), *(f"    {line}" for line in body), "});"]


_NO_ROUTE = [404, 405]  # what a server answers where the route or method does not exist


def status(expected: str) -> list[str]:
    """Assert an exact status code or a range such as "4XX".

    A failure status (4xx, but not 404/405 themselves) first pins that the route exists, so the
    test cannot pass on a server without it (an older version, a wrong base URL).
    """
    code = status_code(expected)
    pin = route_exists() if code[0] == "4" and code not in ("404", "405") else []
    if code.isdigit():
        return [*pin, *_test(f"status is {code}", _code("pm.response.to.have.status(%s);", int(code)))]
    low = int(code[0]) * 100
    return [
        *pin,
        *_test(
            f"status is {code}", _code("pm.expect(pm.response.code).to.be.within(%s, %s);", low, low + 99)
        ),
    ]


def route_exists() -> list[str]:
    """Assert the server knows the route and method: the answer is not 404 or 405."""
    return _test(
        "route exists (not 404 or 405)", _code("pm.expect(pm.response.code).to.not.be.oneOf(%s);", _NO_ROUTE)
    )


def not_status(code: int) -> list[str]:
    """Assert the response is not the status seen failing in a log."""
    if type(code) is not int or not 100 <= code <= 599:
        raise Refused(f"observed status {ascii(code)[:40]} is not a code 100-599")
    return _test(
        f"status is not the {code} seen in the log",
        _code("pm.expect(pm.response.code).to.not.equal(%s);", code),
    )


def content_type(media: str) -> list[str]:
    """Assert the Content-Type header names ``media``."""
    base = media.split(";")[0].strip()
    return _test(
        f"content type is {base}",
        'pm.response.to.have.header("Content-Type");',
        _code('pm.expect(pm.response.headers.get("Content-Type")).to.include(%s);', base),
    )


def json_body() -> list[str]:
    """Parse the body once; tests below use ``body``."""
    return ["let body;", *_test("body is JSON", "body = pm.response.json();")]


def shared_schema(json_schema: Any) -> tuple[str, str]:
    """(collection variable name, JSON text) for a response schema defined once per collection.

    The name is derived from the text, so equal schemas share one variable.
    """
    text = literal(json_schema)
    if len(text) > MAX_SCHEMA_CHARS:
        raise Refused(f"a schema of {len(text):,} characters is over the {MAX_SCHEMA_CHARS:,} cap")
    return SCHEMA_VARIABLE + hashlib.sha256(text.encode("ascii")).hexdigest()[:16], text


def schema(variable: str) -> list[str]:
    """Assert the whole body against the JSON Schema held in the collection variable ``variable``."""
    return [
        _code("const schema = JSON.parse(pm.collectionVariables.get(%s));", variable),
        *_test("body matches the response schema", "pm.response.to.have.jsonSchema(schema);"),
    ]


def walker() -> list[str]:
    """Define ``pwAt(root, path)``: the objects at ``path`` ("items" walks into arrays)."""
    return [
        "function pwAt(root, path) {",
        "    let found = [root];",
        "    path.forEach(function (seg) {",
        "        const next = [];",
        "        found.forEach(function (v) {",
        "            if (Array.isArray(v)) {",
        '                v.forEach(function (e) { next.push(seg === "items" ? e : (e || {})[seg]); });',
        "            }",
        '            else if (v && typeof v === "object" && seg in v) { next.push(v[seg]); }',
        "        });",
        "        found = next;",
        "    });",
        "    return [].concat.apply([], found.map(function (v) { return Array.isArray(v) ? v : [v]; }))",
        '        .filter(function (v) { return v !== null && typeof v === "object"; });',
        "}",
    ]


def required_fields(path: list[str], names: list[str]) -> list[str]:
    """Assert every object at ``path`` has the required ``names``."""
    return _test(
        f"required fields present at {'/'.join(path) or 'body'}",
        _code("pwAt(body, %s).forEach(function (t) {", path),
        _code("    %s.forEach(function (n) { pm.expect(t).to.have.property(n); });", sorted(names)),
        "});",
    )


def enum_values(path: list[str], name: str, values: list[Any]) -> list[str]:
    """Assert ``name`` at ``path``, where present, takes one of ``values``."""
    return _test(
        f"{'/'.join([*path, name])} is one of the declared values",
        _code("pwAt(body, %s).forEach(function (t) {", path),
        _code("    if (%s in t) { pm.expect(%s).to.include(t[%s]); }", name, values, name),
        "});",
    )


def property_absent(path: list[str], name: str) -> list[str]:
    """Assert the removed property ``name`` is gone from every object at ``path``."""
    return _test(
        f"{'/'.join([*path, name])} is no longer returned",
        _code("pwAt(body, %s).forEach(function (t) {", path),
        _code("    pm.expect(t).to.not.have.property(%s);", name),
        "});",
    )


def header(name: str) -> list[str]:
    """Assert a declared response header is present."""
    return _test(f"header {name} is present", _code("pm.response.to.have.header(%s);", name))
