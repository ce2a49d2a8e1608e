"""Large JSON literals in scripts (``const schema = {...}``), lifted out before parsing.

esprima2 is pure Python, and the inlined response schema is most of a generated script.
JSON is a subset of JavaScript expressions that holds no code: only object and array
literals, strings, numbers, booleans and null. So each large JSON literal is decoded with
``json`` and replaced by a placeholder identifier; the rest of the script (the skeleton) is
parsed as usual. The swap is only kept when the skeleton's AST proves that every placeholder
sits where an object literal would be an ordinary value (a declarator's initialiser, the
right side of an assignment, an array element, a returned value); anything else, and the
caller parses the original script in full. The strings of a lifted literal (keys and values)
are still checked, exactly as string literals of the AST are. (A ``"__proto__"`` key is the
one JSON key that means something else in JavaScript; such a literal is never lifted.)
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from agent.boundary.outbound import js

PLACEHOLDER = "__pw_json_"
MIN_LIFT_CHARS = 200  # smaller literals cost esprima little; lifting them buys nothing
# Where a placeholder may stand: there an object or array literal is a plain value.
_VALUE_SLOTS = frozenset(
    {
        ("VariableDeclarator", "init"),
        ("AssignmentExpression", "right"),
        ("ArrayExpression", "elements"),
        ("ReturnStatement", "argument"),
    }
)
_OPENER = re.compile(r"(?:=|\breturn)\s*([\[{])")
_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029]")


@dataclass(frozen=True)
class Lifted:
    """A literal taken out: its placeholder, and its span in the skeleton and in the original."""

    name: str
    skeleton_span: tuple[int, int]
    original_span: tuple[int, int]


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN/Infinity are identifiers in JavaScript


_DECODER = json.JSONDecoder(parse_constant=_no_constants)
# Every (key, value) pair is kept: a repeated key must not hide the value it overrides.
_PAIRS_DECODER = json.JSONDecoder(object_pairs_hook=list, parse_constant=_no_constants)
# What a literal's string must contain to draw a finding (a ``{{credential}}``, see
# ScriptChecker.text); a backslash may hide it behind an escape, so it sends the literal to
# the full check.
_WORTH_A_LOOK = re.compile(r"\{\{|\\")


def lift(source: str) -> tuple[str, list[Lifted]]:
    """The skeleton of ``source`` and the literals lifted out of it (none: skeleton is source)."""
    if len(source) < MIN_LIFT_CHARS or PLACEHOLDER in source:
        return source, []
    pieces: list[str] = []
    lifted: list[Lifted] = []
    done = 0  # original offset copied so far
    skeleton_len = 0
    for found in _OPENER.finditer(source):
        start = found.start(1)
        if start < done:
            continue
        try:
            data, end = _DECODER.raw_decode(source, start)
        except ValueError:
            continue
        if end - start < MIN_LIFT_CHARS or _proto_key(source[start:end], data):
            continue
        name = f"{PLACEHOLDER}{len(lifted)}"
        pieces.append(source[done:start])
        skeleton_len += start - done
        lifted.append(Lifted(name, (skeleton_len, skeleton_len + len(name)), (start, end)))
        pieces.append(name)
        skeleton_len += len(name)
        done = end
    if not lifted:
        return source, []
    pieces.append(source[done:])
    return "".join(pieces), lifted


def _proto_key(text: str, data: Any) -> bool:
    """Whether a literal has a ``__proto__`` key (in JavaScript it sets the prototype)."""
    if "__proto__" in text:
        return True
    if "\\u" not in text:
        return False  # the key cannot hide behind an escape
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if "__proto__" in value:
                return True
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def placeholders_in_slots(tree: js.Node, spans: tuple[tuple[str, int, int], ...]) -> bool:
    """Whether each placeholder occurs once, as an identifier in a value slot, and nowhere else."""
    expected = {name: [start, end] for name, start, end in spans}
    seen: set[str] = set()
    for node, parent, key in js.walk(tree):
        if node.get("type") != "Identifier" or not str(node.get("name", "")).startswith(PLACEHOLDER):
            continue
        name = str(node["name"])
        if name not in expected or name in seen or list(node.get("range") or ()) != expected[name]:
            return False
        if parent is None or (parent.get("type"), key) not in _VALUE_SLOTS:
            return False
        seen.add(name)
    return len(seen) == len(expected)


def strings(literal: str) -> Iterator[str]:
    """Every string of a JSON literal (object keys included) that could draw a finding."""
    if not _WORTH_A_LOOK.search(literal):
        return  # no string in it can be banned, hold a URL or name a {{variable}}
    stack = [_PAIRS_DECODER.decode(literal)]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, tuple):  # an object's (key, value) pair
                    yield item[0]
                    stack.append(item[1])
                else:
                    stack.append(item)


def to_original(offset: int, lifted: list[Lifted]) -> int:
    """A skeleton offset as an offset of the original script."""
    shift = 0
    for item in lifted:
        if item.skeleton_span[0] >= offset:
            break
        shift += (item.original_span[1] - item.original_span[0]) - len(item.name)
    return offset + shift


class LineMap:
    """Offsets to esprima-style (1-based line, 0-based column) of one source."""

    def __init__(self, source: str) -> None:
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(source)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1]
