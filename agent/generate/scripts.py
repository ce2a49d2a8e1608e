"""Postman test-script lines (``pm.test`` blocks) for statuses, media, schemas, fields, headers."""

from __future__ import annotations

import json
from typing import Any

from agent.jsontext import pretty


def _js(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def status(expected: str) -> list[str]:
    """Assert an exact status code or a range such as "4XX"."""
    if expected.isdigit():
        return [
            f'pm.test("status is {expected}", function () {{',
            f"    pm.response.to.have.status({int(expected)});",
            "});",
        ]
    low = int(expected[0]) * 100 if expected[:1].isdigit() else 200
    return [
        f'pm.test("status is {expected.upper()}", function () {{',
        f"    pm.expect(pm.response.code).to.be.within({low}, {low + 99});",
        "});",
    ]


def not_status(code: int) -> list[str]:
    """Assert the response is not the status seen failing in a log."""
    return [
        f'pm.test("status is not the {code} seen in the log", function () {{',
        f"    pm.expect(pm.response.code).to.not.equal({code});",
        "});",
    ]


def content_type(media: str) -> list[str]:
    """Assert the Content-Type header names ``media``."""
    base = media.split(";")[0].strip()
    return [
        f'pm.test("content type is {base}", function () {{',
        '    pm.response.to.have.header("Content-Type");',
        f'    pm.expect(pm.response.headers.get("Content-Type")).to.include({_js(base)});',
        "});",
    ]


def json_body() -> list[str]:
    """Parse the body once; tests below use ``body``."""
    return ["let body;", 'pm.test("body is JSON", function () {', "    body = pm.response.json();", "});"]


def schema(json_schema: Any) -> list[str]:
    """Assert the whole body against its (resolved, draft-07) JSON Schema."""
    dumped = pretty(json_schema, sort_keys=True, ensure_ascii=True).splitlines()
    return [
        "const schema = " + dumped[0],
        *dumped[1:-1],
        dumped[-1] + ";",
        'pm.test("body matches the response schema", function () {',
        "    pm.response.to.have.jsonSchema(schema);",
        "});",
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
    label = "/".join(path) or "body"
    return [
        f'pm.test("required fields present at {label}", function () {{',
        f"    pwAt(body, {_js(path)}).forEach(function (t) {{",
        f"        {_js(sorted(names))}.forEach(function (n) {{ pm.expect(t).to.have.property(n); }});",
        "    });",
        "});",
    ]


def enum_values(path: list[str], name: str, values: list[Any]) -> list[str]:
    """Assert ``name`` at ``path``, where present, takes one of ``values``."""
    label = "/".join([*path, name])
    return [
        f'pm.test("{label} is one of the declared values", function () {{',
        f"    pwAt(body, {_js(path)}).forEach(function (t) {{",
        f"        if ({_js(name)} in t) {{ pm.expect({_js(values)}).to.include(t[{_js(name)}]); }}",
        "    });",
        "});",
    ]


def property_absent(path: list[str], name: str) -> list[str]:
    """Assert the removed property ``name`` is gone from every object at ``path``."""
    label = "/".join([*path, name])
    return [
        f'pm.test("{label} is no longer returned", function () {{',
        f"    pwAt(body, {_js(path)}).forEach(function (t) {{",
        f"        pm.expect(t).to.not.have.property({_js(name)});",
        "    });",
        "});",
    ]


def header(name: str) -> list[str]:
    """Assert a declared response header is present."""
    return [
        f'pm.test("header {name} is present", function () {{',
        f"    pm.response.to.have.header({_js(name)});",
        "});",
    ]
