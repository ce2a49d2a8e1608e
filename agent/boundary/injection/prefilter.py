"""Prefilters for injection scoring: which sentences, token rules and blob scans may match.

A prefilter only ever says "maybe" more often than the rules would match, never less, so
the findings do not depend on it. Hyperscan (``HS_FLAG_PREFILTER``: a superset of each
pattern, lookarounds relaxed) scans all patterns in one pass; it runs only on ASCII input,
where its ``\\w``, ``\\s``, ``\\b`` and case folding agree with Python's. Anything else takes
the ``re`` path, which is also the whole fallback when hyperscan is not installed.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import re
from collections.abc import Sequence
from typing import Protocol

from agent.boundary.inbound.candidates import ThreadScratch
from agent.boundary.injection.phrases import SENTENCE_RULES, TOKEN_RULES, SentenceRule

# A sentence no rule's first pattern matches cannot score: one combined search rules it out.
ANY_FIRST = re.compile("|".join(f"(?:{rule.all_of[0].pattern})" for rule in SENTENCE_RULES))

# Every base64 or hex run of ``decode`` holds one of these (their lookarounds dropped).
BLOB_HINT = r"[A-Za-z0-9+/_-]{24}|[0-9A-Fa-f]{32}|(?:\\x[0-9A-Fa-f]{2}){8}"

# Python's str ``\s`` also matches U+001C..U+001F, hyperscan's does not: such text takes ``re``.
_ODD_SPACE = re.compile("[\x1c-\x1f]")

ALL_TOKENS = range(len(TOKEN_RULES))


Hints = tuple[list[Sequence[SentenceRule]], Sequence[int], bool]
"""Per sentence, the rules that may match it; the token rules (indexes) that may; whether blobs may."""


class Prefilter(Protocol):
    """Says which parts of a text the exact rules need to look at."""

    name: str

    def hints(self, text: str, segments: list[str]) -> Hints:
        """Hints for ``text``, given its normalised sentences."""
        ...


def _first_pattern_gate(segment: str) -> Sequence[SentenceRule]:
    """Every rule, unless no rule's first pattern matches."""
    return SENTENCE_RULES if ANY_FIRST.search(segment) else ()


class RePrefilter:
    """Portable: the combined first-pattern search per sentence; every token rule, every blob scan."""

    name = "re"

    def hints(self, text: str, segments: list[str]) -> Hints:
        """All rules on sentences a first pattern matches; all token rules; blob scans always."""
        return [_first_pattern_gate(s) for s in segments], ALL_TOKENS, True


class HyperscanPrefilter:
    """One block-mode database of every sentence-rule pattern, token rule and blob hint.

    An ASCII text is scanned once as ``text + "\\n" + "\\n".join(sentences)``: token and blob
    hits count where they end in the raw part, sentence-pattern hits in the sentence they
    end in (a true match ends inside its own sentence). A sentence rule runs only where all
    its required patterns hit. Other text: the blob hint on its UTF-8 bytes, ``re`` for the rest.
    """

    name = "hyperscan"

    def __init__(self) -> None:
        import hyperscan as hs  # optional dependency, checked by make_prefilter

        pre, multi = hs.HS_FLAG_PREFILTER, hs.HS_FLAG_MULTILINE
        patterns = [r.pattern.pattern for r in TOKEN_RULES] + [BLOB_HINT]
        flags = [
            pre
            | (hs.HS_FLAG_CASELESS if r.pattern.flags & re.IGNORECASE else 0)
            | (multi if r.pattern.flags & re.MULTILINE else 0)
            for r in TOKEN_RULES
        ] + [0]
        self._blob_id = len(TOKEN_RULES)
        self._raw_ids = len(patterns)
        # Sentences are joined with "\n": MULTILINE keeps ^ and $ at each sentence's edges.
        self._needs: list[tuple[SentenceRule, frozenset[int]]] = []
        for rule in SENTENCE_RULES:
            ids = set()
            for pattern in rule.all_of:
                if pattern.pattern not in patterns[self._raw_ids :]:
                    patterns.append(pattern.pattern)
                    flags.append(pre | multi)
                ids.add(patterns.index(pattern.pattern, self._raw_ids))
            self._needs.append((rule, frozenset(ids)))
        self._db = hs.Database()
        self._db.compile(
            expressions=[p.encode() for p in patterns],
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=flags,
        )
        self._blob_only = hs.Database()
        self._blob_only.compile(expressions=[BLOB_HINT.encode()], ids=[0], elements=1, flags=[0])
        self._terminated: type[Exception] = hs.ScanTerminated
        self._rules_cache: dict[frozenset[int], list[SentenceRule]] = {}
        self._scratch, self._blob_scratch = ThreadScratch(self._db), ThreadScratch(self._blob_only)

    def hints(self, text: str, segments: list[str]) -> Hints:
        """One scan; see the class docstring."""
        rules_of: list[Sequence[SentenceRule]] = [()] * len(segments)
        if text.isascii():  # then so is every normalised sentence
            plain = _ODD_SPACE.search(text) is None
            parts = [text if plain else "", *segments]
        else:
            plain = False
            parts = [""]
            for i, segment in enumerate(segments):
                scanned = segment.isascii()
                parts.append(segment if scanned else "")
                if not scanned:
                    rules_of[i] = _first_pattern_gate(segment)
        hits: list[tuple[int, int]] = []

        def on_match(rule: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            hits.append((end, rule))

        data = "\n".join(parts).encode("ascii")
        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch.get())
        limit, raw_ids = len(parts[0]), self._raw_ids
        raw: set[int] = set()
        found: list[tuple[int, int]] = []
        for end, rule in hits:
            if rule < raw_ids:
                if end <= limit:
                    raw.add(rule)
            elif end > limit + 1:
                found.append((end - 1, rule))
        # Most text hits a pattern or two but no rule's full set: then no sentence needs a look.
        if found and self._rules_for(frozenset(rule for _, rule in found)):
            self._sentence_rules(parts, found, rules_of)
        if not plain:
            return rules_of, ALL_TOKENS, self._blob_hint(text)
        blob = self._blob_id in raw
        raw.discard(self._blob_id)
        return rules_of, sorted(raw), blob

    def _rules_for(self, ids: frozenset[int]) -> list[SentenceRule]:
        """The rules all of whose patterns are among ``ids``, in SENTENCE_RULES order."""
        rules = self._rules_cache.get(ids)
        if rules is None:
            rules = [rule for rule, needs in self._needs if needs <= ids]
            if len(self._rules_cache) > 4096:  # bounded: hit sets are few in practice
                self._rules_cache.clear()
            self._rules_cache[ids] = rules
        return rules

    def _sentence_rules(
        self, parts: list[str], found: list[tuple[int, int]], rules_of: list[Sequence[SentenceRule]]
    ) -> None:
        """Give each sentence the rules all of whose patterns hit inside it."""
        # Where each sentence stops: its "\n", or the end of the buffer for the last one.
        ends = [stop - 1 for stop in itertools.accumulate(len(part) + 1 for part in parts)][1:]
        by_slot: dict[int, set[int]] = {}
        for last, rule in found:  # a match inside a sentence has its last character there
            slot = bisect.bisect_left(ends, last)
            if slot < len(ends) and last < ends[slot]:  # not the "\n" between two sentences
                by_slot.setdefault(slot, set()).add(rule)
        for slot, ids in by_slot.items():
            rules_of[slot] = self._rules_for(frozenset(ids))

    def _blob_hint(self, text: str) -> bool:
        """Whether the text holds a blob-like run; its patterns are ASCII classes, so UTF-8 bytes do."""
        found: list[bool] = []

        def on_match(_rule: int, _start: int, _end: int, _flags: int, _ctx: object) -> bool:
            found.append(True)
            return True  # one hit is enough: stop the scan

        data = text.encode("utf-8", "surrogatepass")
        with contextlib.suppress(self._terminated):
            self._blob_only.scan(data, match_event_handler=on_match, scratch=self._blob_scratch.get())
        return bool(found)


def make_prefilter(prefer: str = "auto") -> Prefilter:
    """Hyperscan when it is importable (or asked for), else Python ``re``."""
    if prefer in ("auto", "hyperscan"):
        try:
            return HyperscanPrefilter()
        except ImportError:
            if prefer == "hyperscan":
                raise
    return RePrefilter()
