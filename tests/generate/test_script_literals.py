"""Every script kind writes values only as inert literals: hostile names cannot change the code."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.generate import scripts
from tests.generate.js_shape import NASTY, assert_inert, literals, parse, shape

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

hostile = st.one_of(
    st.text(),
    st.sampled_from(NASTY),
    st.lists(st.one_of(st.text(max_size=4), st.sampled_from(NASTY)), min_size=2, max_size=4).map("".join),
)

# Every script kind that takes a value from a spec, log or model; name -> lines.
KINDS: dict[str, Callable[[str], list[str]]] = {
    "content_type": scripts.content_type,
    "content_type_params": lambda n: scripts.content_type("application/json; charset=" + n),
    "header": scripts.header,
    "required_fields": lambda n: scripts.required_fields([n, "items"], [n, "id"]),
    "required_fields_body": lambda n: scripts.required_fields([], [n]),
    "enum_values": lambda n: scripts.enum_values([n], n, [n, "a"]),
    "property_absent": lambda n: scripts.property_absent(["items", n], n),
    # the schema's text lives in a collection variable; the script names the variable
    "schema": lambda n: scripts.schema(
        scripts.shared_schema(
            {
                "type": "object",
                "required": [n],
                "properties": {n: {"type": "string", "enum": [n], "description": n, "pattern": n}},
            }
        )[0]
    ),
    "schema_variable": scripts.schema,
}
# media types are cut at ";"; a schema is named by its digest, its text is a variable's value, not code
CARRIES_NAME = set(KINDS) - {"content_type", "content_type_params", "schema"}


def _twin(value: Any) -> Any:
    """A benign value of the same JSON shape (sign kept: -1 is a unary minus in JavaScript)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return "a"
    if isinstance(value, int):
        return -1 if value < 0 else 1
    if isinstance(value, float):
        return math.copysign(0.5, value)
    if isinstance(value, list):
        return [_twin(v) for v in value]
    return {f"k{i:03d}": _twin(value[k]) for i, k in enumerate(sorted(value))}


def utf16(text: str) -> bytes:
    """JavaScript's view of a string (the parser keeps an escaped astral character as two halves)."""
    return text.encode("utf-16-le", "surrogatepass")


def _same_code(hostile_lines: list[str], benign_lines: list[str]) -> None:
    source = "\n".join(hostile_lines)
    assert len(hostile_lines) == len(benign_lines)  # a value cannot add a line
    assert_inert(source)
    assert shape(parse(source)) == shape(parse("\n".join(benign_lines)))


@pytest.mark.parametrize("kind", sorted(KINDS))
@SETTINGS
@given(name=hostile)
def test_hostile_names_leave_the_code_unchanged(kind: str, name: str) -> None:
    build = KINDS[kind]
    lines = build(name)
    _same_code(lines, build("a"))
    if kind in CARRIES_NAME:
        values = [v["value"] for v in literals(parse("\n".join(lines))) if isinstance(v["value"], str)]
        assert any(utf16(name) in utf16(v) for v in values)  # the name is there, as data


json_values = st.recursive(
    st.one_of(
        hostile, st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none()
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(hostile, inner, max_size=3)),
    max_leaves=8,
)


@SETTINGS
@given(name=hostile, values=st.lists(json_values, min_size=1, max_size=5))
def test_hostile_enum_values_are_data(name: str, values: list[Any]) -> None:
    _same_code(scripts.enum_values([name], name, values), scripts.enum_values(["a"], "a", _twin(values)))


@SETTINGS
@given(name=hostile)
def test_a_whole_script_keeps_its_shape(name: str) -> None:
    def script(n: str) -> list[str]:
        lines = scripts.status("200") + scripts.json_body() + scripts.walker()
        for build in KINDS.values():
            lines += build(n)
        return lines

    _same_code(script(name), script("a"))


@SETTINGS
@given(text=st.one_of(hostile, st.from_regex(r"\A[0-9A-Za-z]{1,4}\Z")))
def test_status_is_a_code_or_range_or_refused(text: str) -> None:
    try:
        lines = scripts.status(text)
    except scripts.Refused:
        return
    code = text.upper()
    assert code[0] in "12345" and (code[1:] == "XX" or code[1:].isascii() and code[1:].isdigit())
    _same_code(lines, scripts.status("404" if code.isdigit() else "4XX"))


@pytest.mark.parametrize(
    "status", ["2000", "20", "2\u0660\u0660", "\uff12\uff10\uff10", "6XX", "0XX", "default", "2XX ", "", "2X"]
)
def test_bad_statuses_are_refused(status: str) -> None:
    with pytest.raises(scripts.Refused):
        scripts.status(status)


@pytest.mark.parametrize("status", ["100", "204", "599", "2XX", "4xx", "5XX"])
def test_good_statuses_are_asserted(status: str) -> None:
    source = "\n".join(scripts.status(status))
    assert status.upper() in source and ("to.have.status(" in source) == status.isdigit()


@pytest.mark.parametrize("code", [True, False, 99, 600, -200, 10**20, "200", 200.0, None])
def test_not_status_takes_only_a_status_int(code: Any) -> None:
    with pytest.raises(scripts.Refused):
        scripts.not_status(code)


@SETTINGS
@given(code=st.integers(min_value=100, max_value=599))
def test_not_status_shape(code: int) -> None:
    _same_code(scripts.not_status(code), scripts.not_status(500))


@pytest.mark.parametrize(
    "values",
    [
        [float("nan")],
        ["a", float("inf")],
        ["\u00e9", float("nan")],  # non-ASCII: the indented schema is written by the standard library
        [-float("inf")],
        [{"k": float("nan")}],
        [{1: "a", "b": 2}],  # keys of mixed types cannot be sorted
        [b"bytes"],
        [{"a", "b"}],
        [object()],
    ],
)
def test_values_json_cannot_hold_are_refused(values: list[Any]) -> None:
    with pytest.raises(scripts.Refused):
        scripts.enum_values([], "status", values)
    with pytest.raises(scripts.Refused):
        scripts.shared_schema({"enum": values})


def test_literal_escapes_markup_and_line_separators() -> None:
    text = scripts.literal(["</script>&", "\u2028\u2029", "\x00\n"])
    assert text == '["\\u003c/script\\u003e\\u0026", "\\u2028\\u2029", "\\u0000\\n"]'
    indented = scripts.literal({"pattern": "<a>"}, indent=True)
    assert indented == '{\n  "pattern": "\\u003ca\\u003e"\n}'


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        ("201", "201"),
        ("4xx", "4XX"),
        ("200\n", "200"),
        ("2\u0660\u0660", "200"),
        ("2000", "200"),
        (None, "200"),
    ],
)
def test_a_model_status_passes_the_same_check(answer: Any, kept: str) -> None:
    from agent.generate.llm import _proposal
    from agent.models import Intent, IntentKind

    intent = Intent(
        kind=IntentKind.HAPPY_PATH,
        operation="GET /pets",
        path="/pets",
        method="GET",
        expected_status="200",
        text="pets",
        fingerprint="f" * 16,
    )
    proposal = _proposal(intent, 0, {"request": {}, "expected_status": answer})
    assert proposal is not None and proposal.intent.expected_status == kept
