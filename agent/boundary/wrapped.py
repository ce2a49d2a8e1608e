"""Tokens wrapped onto the next line (terminal width, ``pprint``, base64 line length).

A line that ends in a long token-alphabet run may continue on the next one. Such a line is
searched again joined with the next line's leading run; a finding that crosses the join is
split back into its two parts. The stream never cuts a block after such a line
(:func:`wrap_tail`), so the pair is always searched together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

TAIL_MIN = 16  # a token half shorter than this is not worth joining (a short password)
_RUN = "A-Za-z0-9_\\-+/.~"  # no "=": it ends a token (padding) or a key ("user2=bob" is no rest)
_TAIL = re.compile(f"[{_RUN}]{{{TAIL_MIN}}}={{0,2}}\r?$")
_HEAD = re.compile(f"[ \t]{{0,40}}([{_RUN}]{{4,}}={{0,2}})(?![A-Za-z0-9])")
# A new log record, not the rest of a token: "[2024-…", "2024-01-01 …", "INFO …".
_RECORD = re.compile(r"\[?\d{4}-\d{2}-\d{2}|(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE)\b")
# A continuation of a random token: a digit, an upper-case letter after a lower-case one, or a
# token symbol ("connection" or "Traceback" on the next line is a word, not a token's rest).
_ESCAPED = re.compile(f"(?<=[{_RUN}]{{{TAIL_MIN}}})(?:\\\\r)?\\\\n")
_TOKENISH = re.compile(r"[0-9_\-+/=]|[a-z][A-Z]")


def wrap_tail(text: str, start: int, end: int) -> bool:
    """Whether the line ``text[start:end]`` ends in a run that may go on on the next line."""
    return end - start >= TAIL_MIN and _TAIL.search(text, max(start, end - TAIL_MIN - 3), end) is not None


def breaks(text: str, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """Where a token in the line ``text[start:end]`` may go on past a line break.

    Yields (cut, resume, head end, stop): the token's first part ends at ``cut``, its rest
    starts at ``resume`` and runs at least to ``head end``; ``stop`` ends the text to search.
    Breaks are a real one after the line, or an escaped ``\\n`` inside it (a JSON-rendered log
    line, as Airflow 3 serves them).
    """
    if text.find("\\n", start, end) >= 0:
        for m in _ESCAPED.finditer(text, start, end):
            head = _head(text, m.end(), end)
            if head is not None:
                yield m.start(), head[0], head[1], end
    if (start and text[start - 1] != "\n") or end >= len(text) or text[end] != "\n":
        return
    stop = text.find("\n", end + 1)
    stop = len(text) if stop < 0 else stop
    head = _head(text, end + 1, stop) if wrap_tail(text, start, end) else None
    if head is not None:
        yield (end - 1 if text[end - 1] == "\r" else end), head[0], head[1], stop


def may_join(text: str, start: int, end: int) -> bool:
    """Whether the line ``text[start:end]`` may be joined with the next (see :func:`breaks`):
    a block must not be cut after it. An unfinished next line shorter than a token's head counts."""
    if not wrap_tail(text, start, end):
        return False
    stop = text.find("\n", end + 1)
    if stop < 0 and len(text) - end <= 64:
        return True
    return _head(text, end + 1, len(text) if stop < 0 else stop) is not None


def _head(text: str, pos: int, stop: int) -> tuple[int, int] | None:
    """The leading run of the text at ``pos`` (after indentation), unless a new log record starts."""
    m = _HEAD.match(text, pos, stop)
    if m is None or _RECORD.match(text, m.start(1), stop):
        return None
    return m.start(1), m.end(1)


def tokenish(run: str) -> bool:
    """Whether the head of the next line looks like the rest of a random token."""
    return len(run) >= 8 and _TOKENISH.search(run) is not None
