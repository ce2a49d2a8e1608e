"""Value plausibility checks for secret candidates: Shannon entropy and stop-words."""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter

# Values that sit where a secret would but are not one (templates, masks, nulls, docs).
_STOP = frozenset(
    {
        "null",
        "none",
        "nil",
        "true",
        "false",
        "undefined",
        "empty",
        "string",
        "required",
        "optional",
        "changeme",
        "change_me",
        "password",
        "passwd",
        "secret",
        "token",
        "example",
        "sample",
        "dummy",
        "test",
        "testing",
        "placeholder",
        "redacted",
        "masked",
        "hidden",
        "your_password",
        "your_token",
        "your_api_key",
        "value",
        "default",
        "xxxx",
        "yyyy",
    }
)
_TEMPLATE = re.compile(
    r"^(?:%[A-Za-z_][A-Za-z0-9_]*%|\$\{.*\}|\$\(.*\)|\$[A-Z_][A-Z0-9_]*|\{\{.*\}\}|%\(.*\)s?|<[^<>]*>|\[[^\[\]]*\]|#\{.*\})$"
)
# Published sample keys that gitleaks allowlists (Firebase SDK examples), kept as SHA-256 digests
# so no key-shaped string sits in the source.
_ALLOWLIST = frozenset(
    {
        "f56e323494a6ffc2064e7a955908957d84f0755e5f975dabd64328d0359a8f7c",
        "2037abcaffb2b77785da716cf7ccff4ff4d00c4ea930db0167b7d71f50af7eb4",
        "3f370c9dd8225c63b5c77de1f785edc9712958f18bb612d5fa2e0ae33aeca682",
        "e4a5542bb7fd7b67e943c71ad29c34b5972c9840597e7eda53e666f44d5da0b9",
        "a19f89ab3555eac10c40741f6df79ecf0935998f15569f8db9d67bce0181fff6",
        "0b476bdf9acf2123d547b5ae76f1e59884d8ec9553ee0c47e9f31fd4768f3f3c",
        "eb540d2b6ee2a0a47c5779bc8a0141784c6b753840d4c6f4e2428a6e86e9e0b1",
        "37f8f09bdf12c2f2eae4ead7273a62ddb0c23459cbf902892f282b57f7ed6619",
        "8731261cb72d86267a32a532ebd3df429e2144e5e4ced7e13568bc9e6c8fb1b1",
        "49f777db995e8260da7ca9ffdf0c08d66f0453e97ec967018baf2cdfe3b582d0",
        "27a9a42931dff7eb2f8434e20a9bce976ea364e7bee49187f19d5cfeca9c7045",
        "dc0fcf046c61640cbd1e8b999ada3262d722c2ca4bf42dceac999020ffdbb614",
        "4c98242dcadc8b29005c6b4aad526552d5ea1842149154c0694adeec75847583",
        "ea9bb1082cf95663f5faca23b8b15ef2aa0fce0a5c6df9c32dcb85b2e0a4513d",
        "3a8b61d0f636b007840c0d40ba12bcf48465dc054cdc1a68704a33521d84b665",
        "a6c814bc555ae62c7bd8b58ec07bf559c7ed3a009976a1e0acc9cef0d4473b41",
    }
)
_FILLER_RUN = re.compile(r"(?:x{8,}|X{8,}|\*{3,}|#{4,}|0{12,})")
_REPEAT = re.compile(r"^(.)\1*$|^(?:x+|X+|\*+|\.+|-+|0+|1234567890?)$")


_CLOG2C = [0.0] + [c * math.log2(c) for c in range(1, 4097)]


def shannon(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    # H = log2(n) - sum(c * log2(c)) / n, with c * log2(c) looked up: no Python loop per symbol.
    counts = Counter(value).values()
    if n < len(_CLOG2C):
        return math.log2(n) - sum(map(_CLOG2C.__getitem__, counts)) / n
    return math.log2(n) - sum(c * math.log2(c) for c in counts) / n


def is_placeholder_value(value: str) -> bool:
    """True for values that are obviously not secrets: masks, templates, stop-words."""
    v = value.strip("\"'`")
    if not v or "***" in v or v.startswith("[REDACTED:") or v.endswith(".."):  # "ops_eyJ..." is elided
        return True
    if v.lower() in _STOP or _TEMPLATE.match(v) or _REPEAT.match(v):
        return True
    # A run of one filler character ("xxxxxxxx", "XXXXXXXXXX") inside a sample token.
    return v.endswith("EXAMPLE") or bool(_FILLER_RUN.search(v))


def plausible(value: str, *, min_len: int, min_entropy: float) -> bool:
    """Whether ``value`` looks random enough to be a credential."""
    if len(value) < min_len or is_placeholder_value(value):
        return False
    return shannon(value) >= min_entropy


def allowlisted(value: str) -> bool:
    """Whether ``value`` is a published sample key (digest comparison; see ``_ALLOWLIST``)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest() in _ALLOWLIST
