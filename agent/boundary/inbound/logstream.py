"""A raw log crossing the inbound boundary as a stream: redacted lines, bounded memory.

One pass over the log feeds three readers without ever holding the whole text: the caller
(signal extraction, line by line), injection scoring (windows of whole lines, up to a
character budget) and an excerpt keeper (the lines around the ones that mention given terms,
capped), which is sealed as :class:`~agent.boundary.sealed.Evidence` at the end.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from agent.boundary.inbound.redact import Redactor
from agent.boundary.injection.score import THRESHOLD, InjectionFinding, score_spans
from agent.boundary.sealed import Evidence, _seal
from agent.ports import RawLog

MAX_SCORED_CHARS = 8 * 1024 * 1024  # the scorer runs at ~1 MB/s: the head of a log is audited
SCORE_WINDOW = 1 << 20  # characters scored at once
SCORE_OVERLAP = 1 << 14  # rescored at the next window so a span across a cut is seen whole
MAX_LINE_CHARS = 1 << 20  # a longer line is cut here; the rest of it is skipped
EXCERPT_CONTEXT = 3  # lines kept either side of a line that mentions a term (llm_context uses these)
EXCERPT_MAX_LINE = 2000  # longer lines are never kept, and the LLM context leaves them out
EXCERPT_MAX_CHARS = 1 << 19  # cap of an excerpt; far above any prompt budget

# The line boundaries of str.splitlines, so line numbers agree with it.
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_FIRST_BREAK = re.compile(f"[{_BREAKS}]")


@dataclass(frozen=True)
class Suspect:
    """An injection finding in a log, for the audit trail: where it is, and its text (capped)."""

    finding: InjectionFinding
    line: int
    text: str


def split_lines(blocks: Iterable[str], *, max_line: int = MAX_LINE_CHARS) -> Iterator[str]:
    """The lines of the concatenated ``blocks``, exactly as ``"".join(blocks).splitlines()``
    gives them, except that a line longer than ``max_line`` is cut there."""
    carry = ""
    skipping = False  # inside the rest of an over-long line
    after_cr = False  # the previous block ended with "\r": a leading "\n" belongs to it
    for block in blocks:
        if not block:
            continue
        if after_cr and block[0] == "\n":
            block = block[1:]
        after_cr = False
        if not block:
            continue
        if skipping:
            found = _FIRST_BREAK.search(block)
            if found is None:
                continue
            skipping = False
            yield carry
            carry = ""
            end = found.end()
            if block[found.start()] == "\r" and block[end : end + 1] == "\n":
                end += 1
            after_cr = end == len(block) and block[-1] == "\r"
            block = block[end:]
            if not block:
                continue
        text = carry + block if carry else block
        lines = text.splitlines()
        if text[-1] in _BREAKS:
            carry = ""
            after_cr = text[-1] == "\r"
        else:
            carry = lines.pop()
        yield from lines
        if len(carry) > max_line:
            carry, skipping = carry[:max_line], True
    if carry or skipping:
        yield carry


class LogStream:
    """One raw log, redacted block by block; iterate :meth:`lines` once, then read the rest.

    ``terms``: lines mentioning any of them are kept (with ``EXCERPT_CONTEXT`` lines either
    side) for :meth:`excerpt`. After the pass, :attr:`suspects` holds the injection findings
    of the first ``score_limit`` characters.
    """

    def __init__(
        self,
        redactor: Redactor,
        raw: RawLog,
        *,
        terms: Iterable[str] = (),
        score_limit: int = MAX_SCORED_CHARS,
        excerpt_chars: int = EXCERPT_MAX_CHARS,
    ) -> None:
        self.redactor = redactor
        self.raw = raw
        self.origin = raw.name
        self.suspects: list[Suspect] = []
        self.line_count = 0
        self._terms = _alternation(terms)
        self._score_left = score_limit
        self._pending = ""  # redacted text not yet scored (after the lead)
        self._lead = 0  # characters at its start that the previous window scored
        self._window_line = 1  # number of the line the pending text starts on
        self._kept: list[tuple[int, str]] = []
        self._kept_chars = 0
        self._excerpt_chars = excerpt_chars
        self._before: deque[tuple[int, str]] = deque(maxlen=EXCERPT_CONTEXT)
        self._keep_until = 0  # the last line number kept as context after a mention
        self._first_redaction = len(redactor.report)
        self._done = False

    def lines(self) -> Iterator[tuple[int, str]]:
        """(line number, redacted line) for every line; scores and keeps excerpts on the way."""
        if self._done:
            raise RuntimeError(f"{self.origin}: a log stream can be read only once")
        self._done = True
        number = 0
        for line in split_lines(self._blocks()):
            number += 1
            if self._terms is not None:
                self._keep(number, line)
            yield number, line
        self.line_count = number
        self._score(final=True)

    def excerpt(self) -> Evidence:
        """The kept lines, sealed with their original line numbers."""
        numbers = [n for n, _ in self._kept]
        text = "\n".join(line for _, line in self._kept)
        return _seal(text, self.origin, self.redactor.report[self._first_redaction :], line_numbers=numbers)

    def _blocks(self) -> Iterator[str]:
        """Redacted blocks; each also goes to the injection scorer while the budget lasts."""
        for block in self.redactor.stream(self.raw.chunks, origin=self.origin):
            if self._score_left > 0:
                self._pending += block
                while self._score_left > 0 and len(self._pending) - self._lead >= SCORE_WINDOW:
                    self._score(final=False)
            yield block

    def _score(self, *, final: bool) -> None:
        """Score one window of the pending text, up to ``SCORE_WINDOW`` characters past its lead.

        Findings that start in the window's last lines (``SCORE_OVERLAP``) are left to the
        next window, which rescores those lines, so a span across the cut is seen whole. The
        next window starts with the newline before its first line (its lead, not counted
        again), so every span sees the neighbours it has in the whole text.
        """
        text, lead = self._pending, self._lead
        if len(text) <= lead or self._score_left <= 0:
            self._pending, self._lead = "", 0
            return
        end = len(text) if final else lead + SCORE_WINDOW
        limited = end - lead >= self._score_left
        last = final or limited
        if limited:
            end = lead + self._score_left
        window = text[:end]
        cut = end
        if not last:
            start = window.find("\n", max(lead, end - SCORE_OVERLAP)) + 1
            cut = start if lead < start < end else end
        for finding in score_spans(window):
            if finding.score >= THRESHOLD and lead <= finding.start < cut:
                line = self._window_line + _breaks(window[lead : finding.start])
                self.suspects.append(Suspect(finding, line, window[finding.start : finding.end][:500]))
        self._score_left = 0 if limited else self._score_left - (cut - lead)
        self._window_line += _breaks(window[lead:cut])
        if last:
            self._pending, self._lead = "", 0
        elif window[cut - 1] == "\n":
            self._pending, self._lead = text[cut - 1 :], 1
        else:
            self._pending, self._lead = text[cut:], 0

    def _keep(self, number: int, line: str) -> None:
        """Keep a line that mentions a term, with the lines around it (by number), up to the cap."""
        assert self._terms is not None
        if len(line) > EXCERPT_MAX_LINE:
            return  # never kept; the numbers of the lines around it still count it
        if self._terms.search(line):
            while self._before:
                before, text = self._before.popleft()
                if before >= number - EXCERPT_CONTEXT:
                    self._add(before, text)
            self._add(number, line)
            self._keep_until = number + EXCERPT_CONTEXT
        elif number <= self._keep_until:
            self._add(number, line)
        else:
            self._before.append((number, line))

    def _add(self, number: int, line: str) -> None:
        if self._kept_chars + len(line) + 1 <= self._excerpt_chars:
            self._kept.append((number, line))
            self._kept_chars += len(line) + 1


def _alternation(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for "mentions any term" (longest first); None when there is nothing to keep."""
    unique = sorted(set(t for t in terms if t), key=lambda t: (-len(t), t))
    return re.compile("|".join(map(re.escape, unique))) if unique else None


def _breaks(text: str) -> int:
    """How many line boundaries (as str.splitlines counts them) ``text`` holds."""
    pieces = text.splitlines(keepends=True)
    return len(pieces) - (1 if pieces and pieces[-1][-1] not in _BREAKS else 0)
