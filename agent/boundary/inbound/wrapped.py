"""Tokens wrapped onto the next line (terminal width, ``pprint``, base64 line length).

A line that ends in a long token-alphabet run may continue on the next one. Such a line is
searched again joined with the next line's leading run; a finding that crosses the join is
split back into its two parts. The stream never cuts a block after such a line
(:func:`wrap_tail`), so the pair is always searched together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_LINES = 16  # lines a wrapped token may run over (a 1 KB token at 64 characters a line)
TAIL_MIN = 16  # a token half shorter than this is not worth joining (a short password)
_RUN = "A-Za-z0-9_\\-+/.~"  # no "=": it ends a token (padding) or a key ("user2=bob" is no rest)
_TAIL = re.compile(f"[{_RUN}]{{{TAIL_MIN}}}={{0,2}}\r?$")
_HEAD = re.compile(f"[ \t]{{0,40}}([{_RUN}]{{4,}}={{0,2}})(?![A-Za-z0-9=])")
# A new log record, not the rest of a token: "[2024-…", "2024-01-01 …", "INFO …".
_RECORD = re.compile(r"\[?\d{4}-\d{2}-\d{2}|(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE)\b")
# A continuation of a random token: a digit, an upper-case letter after a lower-case one, or a
# token symbol ("connection" or "Traceback" on the next line is a word, not a token's rest).
_ESCAPED = re.compile(f"(?<=[{_RUN}]{{{TAIL_MIN}}})(?:\\\\r)?\\\\n")
_EVENT = re.compile(r'"event": "((?:[^"\\\n]|\\.)*)"')
_TOKENISH = re.compile(r"[0-9_\-+/=]|[a-z][A-Z]")


def wrap_tail(text: str, start: int, end: int) -> bool:
    """Whether the line ``text[start:end]`` ends in a run that may go on on the next line."""
    return end - start >= TAIL_MIN and _TAIL.search(text, max(start, end - TAIL_MIN - 3), end) is not None


def breaks(text: str, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """Where a token in the line ``text[start:end]`` may go on past a line break.

    Yields (cut, resume, head end, stop): the token's first part ends at ``cut``, its rest
    starts at ``resume`` and runs at least to ``head end``; ``stop`` ends the text to search.
    Breaks are an escaped ``\\n`` inside the line, the line break after it, or, in JSON log
    lines (Airflow 3 renders each output line as one), the end of this line's ``event`` where
    the next line's ``event`` goes on.
    """
    if text.find("\\n", start, end) >= 0:
        for m in _ESCAPED.finditer(text, start, end):
            head = _head(text, m.end(), end)
            if head is not None:
                yield m.start(), head[0], head[1], end
    if (start and text[start - 1] != "\n") or end >= len(text) or text[end] != "\n":
        return
    stop = text.find("\n", end + 1)
    found = _line_break(text, start, end, len(text) if stop < 0 else stop)
    if found is not None:
        yield found


def _line_break(text: str, start: int, end: int, stop: int) -> tuple[int, int, int, int] | None:
    """The break between the line ``text[start:end]`` and the next one (ending at ``stop``)."""
    if wrap_tail(text, start, end):
        head = _head(text, end + 1, stop)
        if head is not None:
            return (end - 1 if text[end - 1] == "\r" else end), head[0], head[1], stop
    first = _EVENT.search(text, start, end) if text.find('"event"', start, end) >= 0 else None
    if first is None or not wrap_tail(text, first.start(1), first.end(1)):
        return None
    second = _EVENT.search(text, end + 1, stop)
    head = None if second is None else _head(text, second.start(1), second.end(1))
    if second is None or head is None:
        return None
    return first.end(1), head[0], head[1], second.end(1)


def continued(text: str, resume: int, head_end: int, stop: int) -> list[tuple[int, int]]:
    """The pieces a token's rest may run over: the next line from ``resume``, and while that
    line is the token alone (a long token wrapped over several lines), the lines after it."""
    pieces = [(resume, stop)]
    line = resume
    while head_end == stop and len(pieces) < MAX_LINES and stop < len(text) and wrap_tail(text, line, stop):
        nxt = text.find("\n", stop + 1)
        nxt = len(text) if nxt < 0 else nxt
        head = _head(text, stop + 1, nxt)
        run = "" if head is None else text[head[0] : head[1]]
        # The rest of a token, not the next line's first word ("done", "connection lost").
        if head is None or not (tokenish(run) or (head[1] == nxt and not run.isalpha())):
            break
        line, (resume, head_end), stop = stop + 1, head, nxt
        pieces.append((resume, stop))
    return pieces


def may_join(text: str, start: int, end: int) -> bool:
    """Whether the line ``text[start:end]`` may be joined with the next (see :func:`breaks`):
    a block must not be cut after it. An unfinished next line counts when this one has a tail."""
    stop = text.find("\n", end + 1)
    if stop < 0:
        event = _EVENT.search(text, start, end)
        return wrap_tail(text, start, end) or (
            event is not None and wrap_tail(text, event.start(1), event.end(1))
        )
    return _line_break(text, start, end, stop) is not None


def _head(text: str, pos: int, stop: int) -> tuple[int, int] | None:
    """The leading run of the text at ``pos`` (after indentation), unless a new log record starts."""
    m = _HEAD.match(text, pos, stop)
    if m is None or _RECORD.match(text, m.start(1), stop):
        return None
    return m.start(1), m.end(1)


def tokenish(run: str) -> bool:
    """Whether the head of the next line looks like the rest of a random token."""
    return len(run) >= 8 and _TOKENISH.search(run) is not None
