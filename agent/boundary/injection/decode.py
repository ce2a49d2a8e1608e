"""Hidden and encoded payloads: invisible characters, tag text, homoglyphs, base64 and hex blobs."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    """A span found by one of the detectors here."""

    rule: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Blob:
    """An encoded run that decodes to text."""

    rule: str
    start: int
    end: int
    decoded: str
    wordy: bool


_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\u180e\ufeff]+")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]+")
_TAGS = re.compile("[\U000e0000-\U000e007f]+")
_WORD = re.compile(r"[^\W\d_]{2,}")
_BASE64 = re.compile(
    r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])|"
    r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9_-]{24,}={0,2}(?![A-Za-z0-9_=-])"
)
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){16,}(?![0-9A-Fa-f])|(?:\\x[0-9A-Fa-f]{2}){8,}")

# Letters of other scripts that pass for Latin ones; a word mixing them with Latin is a disguise.
_CONFUSABLE = set(
    "асеорхуіјѕԁԛԝһӏԍՕАВСЕНІЈКМОРЅТХУ"  # Cyrillic
    "οαειικνρτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"  # Greek
)


def _is_emoji_neighbour(text: str, index: int) -> bool:
    """ZWJ and variation selectors legitimately glue emoji together."""
    for j in (index - 1, index + 1):
        if 0 <= j < len(text) and (
            ord(text[j]) > 0x2000 and unicodedata.category(text[j]) in ("So", "Sk", "Mn")
        ):
            return True
    return False


def hidden_characters(text: str) -> Iterator[Hit]:
    """Zero-width and bidi-control runs inside text (a leading BOM and emoji joiners are fine)."""
    for match in _ZERO_WIDTH.finditer(text):
        if match.start() == 0 and match.group() == "\ufeff":
            continue
        if match.group() == "\u200d" and _is_emoji_neighbour(text, match.start()):
            continue
        start, end = match.span()
        inside_word = start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()
        # One between words or symbols is common in copied web text (e.g. U+FEFF in coordinates).
        score = 0.8 if len(match.group()) >= 3 else 0.6 if inside_word or len(match.group()) == 2 else 0.3
        yield Hit("zero-width", start, end, score)
    for match in _BIDI.finditer(text):
        yield Hit("bidi-control", match.start(), match.end(), 0.6)


def tag_payloads(text: str) -> Iterator[Hit]:
    """Runs of Unicode tag characters (invisible ASCII look-alikes)."""
    for match in _TAGS.finditer(text):
        yield Hit("unicode-tags", match.start(), match.end(), 1.0)


def homoglyph_words(text: str) -> Iterator[Hit]:
    """Words that mix Latin letters with Cyrillic or Greek look-alikes."""
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isascii():
            continue
        has_latin = any("a" <= c.lower() <= "z" for c in word)
        if has_latin and any(c in _CONFUSABLE for c in word):
            yield Hit("homoglyph", match.start(), match.end(), 0.7)


def _printable_text(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not decoded:
        return None
    printable = sum(1 for c in decoded if c.isprintable() or c in "\n\t\r")
    return decoded if printable / len(decoded) >= 0.95 else None


def _wordy(decoded: str) -> bool:
    words = re.findall(r"[A-Za-z]{2,}", decoded)
    return len(words) >= 4 and decoded.count(" ") >= 3


def blobs(text: str) -> Iterator[Blob]:
    """Base64 and hex runs that decode to readable text."""
    for match in _BASE64.finditer(text):
        token = match.group()
        if token.isalpha() or token.isdigit():
            continue
        padded = token + "=" * (-len(token) % 4)
        try:
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            continue
        decoded = _printable_text(raw)
        if decoded is not None:
            yield Blob("base64-payload", match.start(), match.end(), decoded, _wordy(decoded))
    for match in _HEX.finditer(text):
        digits = match.group().replace("\\x", "")
        decoded = _printable_text(bytes.fromhex(digits))
        if decoded is not None:
            yield Blob("hex-payload", match.start(), match.end(), decoded, _wordy(decoded))
