"""Secrets in encoded form: percent-encoded ``key = value`` pairs, Basic credentials under any
header, and base64 blobs that decode to ``user:password`` or to text that holds a secret.

Base64 is only decoded where it announces itself, so logs full of hashes and ids cost
nothing: after ``Basic``, a blob starting ``eyJ`` (a JSON object), or a padded blob
(ending ``=``). Unpadded base64 with no context is not decoded; under a secret-named key it
is redacted as that key's value anyway.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from agent.boundary.inbound.contextual import KEYWORDS, KW_ALT, KW_START, keyed_kind
from agent.boundary.inbound.patterns import Rule
from agent.boundary.inbound.vetoes import judge_named, matched_keyword, name_words

if TYPE_CHECKING:
    from agent.boundary.inbound.detect import Detector

_I = re.IGNORECASE
_KW_BODIES = "|".join(body for _, body in KEYWORDS)

# %22password%22%3A%22value%22, password%3Dvalue%26...: the operator itself is encoded. The value
# ends at an encoded quote, comma, ampersand, space, brace or bracket.
_PCT_KEYED = re.compile(
    rf"""(?P<key>(?:{KW_ALT})[A-Za-z0-9_.\-]{{0,30}})(?:%2[27])?(?:%20|\+){{0,4}}%3[AD](?:%20|\+){{0,4}}(?:%2[27])?"""
    rf"""(?P<s>(?:[A-Za-z0-9_.\-~!*]|%(?!2[267C]|7[BD]|5[BD]|20)[0-9A-F]{{2}}){{1,300}})""",
    _I,
)
_CREDENTIALS = re.compile(r"^[^\s:]{0,128}:\S{3,256}$")
_UUID = re.compile(r"^[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$", re.IGNORECASE)
_B64_EDGE = r"(?<![A-Za-z0-9+/_\-.%])"
_B64_END = r"(?![A-Za-z0-9+/=_\-.%])"


def _pct_check(m: re.Match[str], value: str) -> bool:
    """Judge the decoded value as a ``key = value`` pair's (an encoded pair is never prose)."""
    return judge_named(name_words(m), matched_keyword(m), unquote_plus(value), asserted=True)


def decode_b64(value: str) -> str | None:
    """The text ``value`` encodes (standard or URL-safe base64), or None if it is not printable text."""
    padded = value + "=" * (-len(value) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return text if text.replace("\n", "").replace("\t", "").isprintable() else None


@cache
def _inner() -> Detector:
    """Every rule but the base64 ones (a decoded blob is searched once, never decoded again)."""
    from agent.boundary.inbound.detect import BASE_RULES, Detector

    return Detector(BASE_RULES)


def _holds_secret(text: str) -> bool:
    return _credentials(text) or bool(_inner().find(text))


def _credentials(text: str) -> bool:
    """``user:password`` in a bare blob; not a typed id (GitHub's node ids are base64 of
    ``012:Organization1``, GraphQL global ids of ``User:123`` or ``Pet:<uuid>``)."""
    if not _CREDENTIALS.match(text):
        return False
    user, _, secret = text.partition(":")
    return not (user.isdigit() or secret.isdigit() or _UUID.match(secret))


def _basic_check(m: re.Match[str], value: str) -> bool:
    text = decode_b64(value)
    return text is not None and ":" in text and not text.startswith(("$", "{{", "<"))


def _blob_check(m: re.Match[str], value: str) -> bool:
    text = decode_b64(value)
    return text is not None and _holds_secret(text)


PERCENT_RULES: tuple[Rule, ...] = (
    Rule(
        "encoded-keyed",
        _PCT_KEYED,
        rf"(?:{_KW_BODIES})[A-Za-z0-9_.\-]{{0,30}}(?:%2[27])?(?:%20|\+){{0,4}}%3[AD]",
        caseless=True,
        min_len=1,
        priority=21,
        starts=KW_START,
        kind_of=keyed_kind,
        check=_pct_check,
    ),
)

BASE64_RULES: tuple[Rule, ...] = (
    Rule(
        "basic-auth",
        re.compile(rf"(?<![A-Za-z0-9_\-])basic\s+(?P<s>[A-Za-z0-9+/]{{8,4000}}={{0,2}}){_B64_END}", _I),
        r"basic\s+[A-Za-z0-9+/]{8}",
        caseless=True,
        priority=39,  # under "Authorization:" the header rule names it
        kind_of=lambda m: "basic-auth",
        check=_basic_check,
    ),
    Rule(
        "base64-json",
        re.compile(rf"{_B64_EDGE}(?P<s>eyJ[A-Za-z0-9+/_\-]{{12,16000}}={{0,2}}){_B64_END}"),
        r"eyJ[A-Za-z0-9+/_\-]{12}",
        priority=30,
        anchored=True,
        kind_of=lambda m: "encoded-secret",
        check=_blob_check,
    ),
    Rule(
        "base64-padded",
        re.compile(rf"{_B64_EDGE}(?P<s>[A-Za-z0-9+/]{{12,16000}}={{1,2}}){_B64_END}"),
        r"[A-Za-z0-9+/]{12}={1,2}",
        min_len=16,
        priority=30,
        kind_of=lambda m: "encoded-secret",
        check=_blob_check,
    ),
)
