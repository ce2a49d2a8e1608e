"""A memoised skeleton is parsed without line/column objects (its findings are offsets), and its
findings keep the lines and columns the full parse gives."""

from __future__ import annotations

import json
from typing import Any

import esprima
import pytest

from agent.boundary.outbound import policy

SCHEMA = json.dumps({"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(20)}})
TEST = "pm.test('ok', function () { pm.response.to.have.jsonSchema(schema); });"
# source -> the findings the full parse (with loc) gives: code and line:column
SEND = "pm.sendRequest('http://example.invalid');"
EVAL = "pm.test('x', function () {\n  eval('1');\n});"
SCRIPTS = {
    "clean": (f"const schema = {SCHEMA};\n{TEST}", []),
    "send": (f"const schema = {SCHEMA};\n\n{SEND}", [("script-send-request", "script:3:1")]),
    "eval": (f"let s = {SCHEMA};\n{EVAL}", [("script-eval", "script:3:3")]),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_skeletons_are_parsed_without_loc_and_findings_keep_their_place(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, expected = SCRIPTS[name]
    policy._skeleton_problems.cache_clear()
    options: list[dict[str, Any]] = []
    real = esprima.parseScript

    def recording(code: str, opts: dict[str, Any] | None = None, *args: Any) -> Any:
        options.append(dict(opts or {}))
        return real(code, opts, *args)

    monkeypatch.setattr(esprima, "parseScript", recording)
    found = policy.check_script(source)
    assert options == [{"range": True, "loc": False}]  # the skeleton's parse, the only one
    assert [(f.code, f.location) for f in found] == expected
