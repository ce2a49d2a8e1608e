"""Score untrusted text for injected instructions, and quarantine the suspicious spans.

Detection is one signal among several (fencing and the outbound gate are the others), so
the rules aim at phrasing that has no business in logs, API descriptions or comments:
instructions addressed to an AI and its output, role and delimiter forgery, hidden or
encoded payloads, and solicitations of tools, URLs or secrets. Plain imperatives ("Write
a paragraph ...") are not flagged: benign text is full of them.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from agent.boundary.injection import decode as encoded
from agent.boundary.injection.phrases import TOKEN_RULES, SentenceRule
from agent.boundary.injection.prefilter import Prefilter, make_prefilter

THRESHOLD = 0.5
MARKER = "[QUARANTINED:injection:{n}]"

_SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?]+(?=\s|$)|\n|$)|[^\n]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_CODE_BLOCK = re.compile(r"\s*```.*?(?:```|$)", re.S)


@dataclass(frozen=True)
class InjectionFinding:
    """One suspicious span of untrusted text; never carries the text itself."""

    kind: str
    rule: str
    start: int
    end: int
    score: float

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence-ish spans: split at line ends and at . ! ? followed by whitespace."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        raw = match.group()
        stripped = raw.strip()
        if not stripped:
            continue
        lead = len(raw) - len(raw.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))
    return spans


def _normalise(segment: str) -> str:
    """Fold tricks that hide words from regexes: width forms, invisible characters, case."""
    if segment.isascii():  # NFKC and the invisible set leave ASCII as it is
        return " ".join(segment.split()).lower()
    folded = unicodedata.normalize("NFKC", segment).translate(_INVISIBLE)
    return " ".join(folded.split()).lower()


def _extend_over_code(text: str, end: int) -> int:
    """An instruction that introduces a code block owns the block."""
    match = _CODE_BLOCK.match(text, end)
    return match.end() if match else end


_PREFILTER: list[Prefilter] = []  # built on first use: compiling hyperscan databases takes ~0.1 s
_LOCK = threading.Lock()


def _default_prefilter() -> Prefilter:
    if not _PREFILTER:
        with _LOCK:
            if not _PREFILTER:
                _PREFILTER.append(make_prefilter())
    return _PREFILTER[0]


def _score_sentences(
    text: str, spans: list[tuple[int, int]], segments: list[str], rules_of: list[Sequence[SentenceRule]]
) -> list[InjectionFinding]:
    findings: list[InjectionFinding] = []
    for (start, end), segment, rules in zip(spans, segments, rules_of, strict=True):
        best: tuple[float, str, str] | None = None
        for rule in rules:  # in SENTENCE_RULES order: the first of equal scores wins
            score = rule.score(segment)
            if score and (best is None or score > best[0]):
                best = (score, rule.kind, rule.name)
        if best is None:
            continue
        score, kind, name = best
        stop = _extend_over_code(text, end) if name == "code-directive" else end
        findings.append(InjectionFinding(kind, name, start, stop, round(score, 2)))
    return findings


def _score_tokens(text: str, rules: Iterable[int]) -> list[InjectionFinding]:
    findings: list[InjectionFinding] = []
    for index in rules:  # ascending, as TOKEN_RULES: rule order decides ties in score_spans' sort
        rule = TOKEN_RULES[index]
        for match in rule.pattern.finditer(text):
            findings.append(InjectionFinding(rule.kind, rule.name, match.start(), match.end(), rule.weight))
    return findings


def _score_encoded(text: str, prefilter: Prefilter, blobs: bool) -> list[InjectionFinding]:
    findings: list[InjectionFinding] = []
    hidden = not text.isascii()  # hidden, homoglyph and tag characters are all non-ASCII
    if hidden:
        for hit in encoded.hidden_characters(text):
            findings.append(InjectionFinding("encoded", hit.rule, hit.start, hit.end, hit.score))
        for hit in encoded.homoglyph_words(text):
            findings.append(InjectionFinding("encoded", hit.rule, hit.start, hit.end, hit.score))
    for blob in encoded.blobs(text) if blobs else ():
        decoded_score = max((f.score for f in _score_plain(blob.decoded, prefilter)[0]), default=0.0)
        if decoded_score >= THRESHOLD:
            findings.append(InjectionFinding("encoded", blob.rule, blob.start, blob.end, 0.9))
        elif blob.wordy:
            findings.append(InjectionFinding("encoded", blob.rule, blob.start, blob.end, 0.4))
    if hidden:
        for hit in encoded.tag_payloads(text):
            # Unicode tag characters are invisible; what they spell is an instruction.
            findings.append(InjectionFinding("encoded", "unicode-tags", hit.start, hit.end, 1.0))
    return findings


def _score_plain(text: str, prefilter: Prefilter) -> tuple[list[InjectionFinding], bool]:
    """Sentence and token findings, and whether the text may hold encoded blobs."""
    spans = _sentences(text)
    segments = [_normalise(text[start:end]) for start, end in spans]
    rules_of, tokens, blobs = prefilter.hints(text, segments)
    return _score_sentences(text, spans, segments, rules_of) + _score_tokens(text, tokens), blobs


def score_spans(text: str, prefilter: Prefilter | None = None) -> list[InjectionFinding]:
    """Every suspicious span of ``text`` with a score in 0..1, in text order.

    Spans scoring at or above :data:`THRESHOLD` make the text suspicious. ``prefilter``
    (default: hyperscan when installed) only changes the speed, never the findings.
    """
    engine = prefilter or _default_prefilter()
    plain, blobs = _score_plain(text, engine)
    findings = plain + _score_encoded(text, engine, blobs)
    findings.sort(key=lambda f: (f.start, -f.score, f.end))
    return findings


def is_suspicious(findings: list[InjectionFinding], threshold: float = THRESHOLD) -> bool:
    """Whether any finding reaches the threshold."""
    return any(f.score >= threshold for f in findings)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def quarantine(text: str, threshold: float = THRESHOLD) -> tuple[str, list[InjectionFinding]]:
    """Replace suspicious spans by ``[QUARANTINED:injection:N]`` markers.

    Returns the new text and all findings (offsets refer to the original text). The caller
    keeps the original in its audit trail; the returned text is what a prompt may see.
    """
    findings = score_spans(text)
    spans = _merge([(f.start, f.end) for f in findings if f.score >= threshold])
    if not spans:
        return text, findings
    out: list[str] = []
    cursor = 0
    for number, (start, end) in enumerate(spans, 1):
        out.append(text[cursor:start])
        out.append(MARKER.format(n=number))
        cursor = end
    out.append(text[cursor:])
    return "".join(out), findings
