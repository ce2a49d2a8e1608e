"""Score untrusted text for injected instructions, and quarantine the suspicious spans.

Detection is one signal among several (fencing and the outbound gate are the others), so
the rules aim at phrasing that has no business in logs, API descriptions or comments:
instructions addressed to an AI and its output, role and delimiter forgery, hidden or
encoded payloads, and solicitations of tools, URLs or secrets. Plain imperatives ("Write
a paragraph ...") are not flagged: benign text is full of them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from agent.boundary import injection_encoded as encoded
from agent.boundary.injection_rules import SENTENCE_RULES, TOKEN_RULES

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
    folded = unicodedata.normalize("NFKC", segment).translate(_INVISIBLE)
    return " ".join(folded.split()).lower()


def _extend_over_code(text: str, end: int) -> int:
    """An instruction that introduces a code block owns the block."""
    match = _CODE_BLOCK.match(text, end)
    return match.end() if match else end


# A sentence no rule's first pattern matches cannot score: one combined search rules it out
# (most sentences, e.g. test names and ordinary log lines) before the rules run one by one.
_ANY_FIRST = re.compile("|".join(f"(?:{rule.all_of[0].pattern})" for rule in SENTENCE_RULES))


def _score_sentences(text: str) -> list[InjectionFinding]:
    findings: list[InjectionFinding] = []
    for start, end in _sentences(text):
        segment = _normalise(text[start:end])
        if not _ANY_FIRST.search(segment):
            continue
        best: tuple[float, str, str] | None = None
        for rule in SENTENCE_RULES:
            score = rule.score(segment)
            if score and (best is None or score > best[0]):
                best = (score, rule.kind, rule.name)
        if best is None:
            continue
        score, kind, name = best
        stop = _extend_over_code(text, end) if name == "code-directive" else end
        findings.append(InjectionFinding(kind, name, start, stop, round(score, 2)))
    return findings


def _score_tokens(text: str) -> list[InjectionFinding]:
    findings: list[InjectionFinding] = []
    for rule in TOKEN_RULES:
        for match in rule.pattern.finditer(text):
            findings.append(InjectionFinding(rule.kind, rule.name, match.start(), match.end(), rule.weight))
    return findings


def _score_encoded(text: str) -> list[InjectionFinding]:
    findings: list[InjectionFinding] = []
    for hit in encoded.hidden_characters(text):
        findings.append(InjectionFinding("encoded", hit.rule, hit.start, hit.end, hit.score))
    for hit in encoded.homoglyph_words(text):
        findings.append(InjectionFinding("encoded", hit.rule, hit.start, hit.end, hit.score))
    for blob in encoded.blobs(text):
        decoded_score = max((f.score for f in _score_plain(blob.decoded)), default=0.0)
        if decoded_score >= THRESHOLD:
            findings.append(InjectionFinding("encoded", blob.rule, blob.start, blob.end, 0.9))
        elif blob.wordy:
            findings.append(InjectionFinding("encoded", blob.rule, blob.start, blob.end, 0.4))
    for hit in encoded.tag_payloads(text):
        # Unicode tag characters are invisible; what they spell is an instruction.
        findings.append(InjectionFinding("encoded", "unicode-tags", hit.start, hit.end, 1.0))
    return findings


def _score_plain(text: str) -> list[InjectionFinding]:
    return _score_sentences(text) + _score_tokens(text)


def score_spans(text: str) -> list[InjectionFinding]:
    """Every suspicious span of ``text`` with a score in 0..1, in text order.

    Spans scoring at or above :data:`THRESHOLD` make the text suspicious.
    """
    findings = _score_plain(text) + _score_encoded(text)
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
