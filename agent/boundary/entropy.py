"""Value plausibility checks for secret candidates: Shannon entropy and stop-words."""

from __future__ import annotations

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
    r"^(?:\$\{.*\}|\$\(.*\)|\$[A-Z_][A-Z0-9_]*|\{\{.*\}\}|%\(.*\)s?|<[^<>]*>|\[[^\[\]]*\]|#\{.*\})$"
)
_REPEAT = re.compile(r"^(.)\1*$|^(?:x+|X+|\*+|\.+|-+|0+|1234567890?)$")


def shannon(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def is_placeholder_value(value: str) -> bool:
    """True for values that are obviously not secrets: masks, templates, stop-words."""
    v = value.strip("\"'`")
    if not v or "***" in v or v.startswith("[REDACTED:"):
        return True
    if v.lower() in _STOP or _TEMPLATE.match(v) or _REPEAT.match(v):
        return True
    # A run of one filler character ("xxxxxxxx", "XXXXXXXXXX") inside a sample token.
    return bool(re.search(r"(?:x{8,}|X{8,}|\*{3,}|0{12,})", v))


def plausible(value: str, *, min_len: int, min_entropy: float) -> bool:
    """Whether ``value`` looks random enough to be a credential."""
    if len(value) < min_len or is_placeholder_value(value):
        return False
    return shannon(value) >= min_entropy
