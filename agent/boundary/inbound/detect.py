"""Find secrets in text: prefilter candidate lines, run exact rules there, resolve overlaps."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from agent.boundary.inbound.candidates import Engine, make_engine
from agent.boundary.inbound.contextual import CONTEXT_RULES, cookie_values
from agent.boundary.inbound.encoded import BASE64_RULES, PERCENT_RULES
from agent.boundary.inbound.patterns import PEM_WINDOW, TOKEN_RULES, Rule
from agent.boundary.inbound.wrapped import breaks, continued, tokenish

_REACH = 256  # longest keyword + name suffix + operator + value prefix of a keyed prefilter hit
# A decoded base64 blob is searched with BASE_RULES: it is never decoded again.
BASE_RULES: tuple[Rule, ...] = CONTEXT_RULES + PERCENT_RULES + TOKEN_RULES
RULES: tuple[Rule, ...] = BASE_RULES + BASE64_RULES
PLACEHOLDER = re.compile(r"\[REDACTED:[a-z0-9\-]{1,40}:\d{1,9}\]")


@dataclass(frozen=True)
class SecretFinding:
    """Where a secret sits in a text: offsets and what it is, never the value."""

    kind: str
    rule: str
    start: int
    end: int
    continues: bool = False  # the rest of the previous finding, wrapped onto this line


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    kind: str
    rule: str
    priority: int
    continues: bool = False


_JOINED = 1000  # a token found across a line break outranks its halves found alone


class Detector:
    """Runs the rule set over text; stateless between calls, safe to share."""

    def __init__(self, rules: Sequence[Rule] = RULES, engine: str = "auto") -> None:
        self.rules = tuple(rules)
        self.engine: Engine = make_engine(self.rules, engine)

    def find(self, text: str, *, join: bool = True) -> list[SecretFinding]:
        """Non-overlapping findings in ``text``, ordered by offset.

        With ``join``, a token wrapped onto the next line is found too (as two findings, the
        second marked ``continues``).
        """
        candidates = self.engine.candidates(text)
        matches: list[_Match] = []
        for start, end, hits in candidates:
            for idx in sorted(hits):
                rule = self.rules[idx]
                begin, stop = start, end
                if rule.multiline:
                    stop = min(len(text), start + PEM_WINDOW)
                elif rule.next_line:
                    # The hit may end on the value line of "<apiToken>\n  value": look one line
                    # back and one line ahead.
                    begin = text.rfind("\n", max(0, start - 4096), max(0, start - 1)) + 1 if start else 0
                    if end < len(text):
                        nxt = text.find("\n", end + 1, end + 4096)
                        stop = min(len(text), end + 4096) if nxt < 0 else nxt
                matches.extend(self._run(rule, text, begin, stop, hits[idx]))
        if join:
            joined = [m for start, end, _ in candidates for m in self._wrapped(text, start, end, matches)]
            matches.extend(joined)
        return [SecretFinding(m.kind, m.rule, m.start, m.end, m.continues) for m in _resolve(matches)]

    def _wrapped(self, text: str, start: int, end: int, found: list[_Match]) -> Iterator[_Match]:
        """Findings that cross a line break in or after the line ``text[start:end]``, in parts
        (the first, then each continuation: a long token may be wrapped over several lines)."""
        for cut, resume, head_end, stop in breaks(text, start, end):
            # The first part was a finding already (a bearer token, a keyed value): extend it only
            # into a head that looks like a token's rest, not into the next line's first word.
            whole = any(m.end == cut for m in found if start <= m.start < cut)
            if whole and not tokenish(text[resume:head_end]):
                continue
            pieces = [(start, cut), *continued(text, resume, head_end, stop)]
            at = cut - start
            for f in self.find("".join(text[a:b] for a, b in pieces), join=False):
                if f.start < at < f.end:
                    yield from _split(f, pieces)

    def clean(self, texts: Sequence[str]) -> list[bool]:
        """For each text, True only if no rule fires in it, from one prefilter scan over all.

        False means "search it" (a prefilter hit the exact rules may still reject).

        A text is clean when no candidate line of the joined texts overlaps it: hyperscan
        reports every prefilter match, and no prefilter is anchored, so a match inside a text
        alone is a match inside it when joined. The ``re`` fallback's matches cannot overlap
        (one could hide another), so there each text is searched alone.
        """
        if self.engine.name != "hyperscan":
            return [not self.find(text) for text in texts]
        starts: list[int] = []
        pos = 0
        for text in texts:
            starts.append(pos)
            pos += len(text) + 1
        clean = [True] * len(texts)
        for begin, end, _ in self.engine.candidates("\n".join(texts)):
            # every text from the one holding ``begin`` to the one holding ``end``
            first = bisect.bisect_right(starts, begin) - 1
            last = bisect.bisect_right(starts, max(begin, end - 1)) - 1
            for index in range(max(first, 0), last + 1):
                clean[index] = False
        return clean

    def _run(self, rule: Rule, text: str, start: int, stop: int, anchors: list[int]) -> Iterator[_Match]:
        """Exact matches of one rule in ``text[start:stop]`` (at ``anchors`` only, if given)."""
        guarded = (
            [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text, start, stop)]
            if text.find("[REDACTED:", start, stop) >= 0
            else []
        )
        if rule.starts is not None:
            # ``anchors`` are prefilter hit ends here: the pattern starts at most _REACH before one.
            lo = max(start, min(anchors) - _REACH) if anchors else start
            hi = max(anchors) if anchors else stop
            window = text[lo:hi]
            anchors = []
            if window.isascii():  # lower() keeps offsets only for ASCII
                anchors = [lo + m.start() for m in rule.starts.finditer(window.lower())]
                if not anchors:
                    return
        if anchors:
            found = _match_at(rule.pattern, text, sorted(anchors), stop)
        else:
            found = list(rule.pattern.finditer(text, start, stop))
        for m in found:
            kind = rule.kind_of(m) if rule.kind_of else rule.id
            s0 = m.start("s")
            spans = (
                [(s0 + a, s0 + b) for a, b in cookie_values(m.group("s"))]
                if rule.id == "cookie"
                else [(s0, m.end("s"))]
            )
            for a, b in spans:
                value = text[a:b]
                if any(a < ge and gs < b for gs, ge in guarded) or not rule.accepts(value, kind):
                    continue
                if rule.check is not None and not rule.check(m, value):
                    continue
                yield _Match(a, b, kind, rule.id, rule.priority)


def _split(f: SecretFinding, pieces: list[tuple[int, int]]) -> Iterator[_Match]:
    """A finding in the joined ``pieces`` of a text, as matches in the text (one per piece it covers)."""
    offset = 0
    for a, b in pieces:
        lo, hi = max(f.start, offset), min(f.end, offset + b - a)
        if lo < hi:
            yield _Match(a + lo - offset, a + hi - offset, f.kind, f.rule, _JOINED, continues=lo > f.start)
        offset += b - a


def _match_at(pattern: re.Pattern[str], text: str, anchors: list[int], stop: int) -> list[re.Match[str]]:
    """Matches starting at the anchors, skipping anchors inside a match (``finditer`` semantics)."""
    found: list[re.Match[str]] = []
    end = -1
    for pos in anchors:
        if pos < end:
            continue
        m = pattern.match(text, pos, stop)
        if m is not None:
            found.append(m)
            end = m.end()
    return found


def _resolve(matches: list[_Match]) -> list[_Match]:
    """Keep one match per overlapping group: higher priority first, then the longer span."""
    matches.sort(key=lambda m: (m.start, -m.end))
    kept: list[_Match] = []
    for m in matches:
        if kept and m.start < kept[-1].end:
            last = kept[-1]
            if (m.priority, m.end - m.start) > (last.priority, last.end - last.start):
                kept[-1] = m
            continue
        kept.append(m)
    return kept
