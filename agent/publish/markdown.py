"""Make untrusted text inert in Markdown (GitHub-flavoured): no links, images, mentions or HTML.

Two tools: :func:`code` puts text in an inline code span (nothing inside a code span is
interpreted, so only backticks and line breaks need neutralising) and :func:`escape`
backslash-escapes every ASCII punctuation character for prose, and breaks the patterns
GitHub turns into links or notifications after parsing (``@name``, ``#123``, bare URLs).
"""

from __future__ import annotations

import re
import string

ZWSP = "\u200b"
MAX_LEN = 300

# C0/C1 controls, line/paragraph separators and bidi overrides (no reordering tricks).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
# Things GitHub links after Markdown is parsed: mentions, issue refs, URLs, www., emails.
_AUTOLINK = re.compile(r"([@#:])|(?<=www)(\.)", re.IGNORECASE)


def _flatten(text: object, max_len: int) -> str:
    """One line, no control or bidi characters, at most ``max_len`` characters."""
    flat = " ".join(_INVISIBLE.sub(" ", str(text)).split())
    return flat if len(flat) <= max_len else flat[: max_len - 1] + "…"


def code(text: object, max_len: int = MAX_LEN) -> str:
    """An inline code span holding ``text`` verbatim but inert (backticks swapped for ˋ)."""
    flat = _flatten(text, max_len).replace("`", "ˋ")
    return f"`{flat}`" if flat else "` `"


def escape(text: object, max_len: int = MAX_LEN) -> str:
    """Prose that renders as the same words but can link, mention or embed nothing."""
    flat = _flatten(text, max_len)
    # A zero-width space after @ # : and after "www." stops GitHub's mention/ref/autolink passes,
    # which run on the rendered text and so ignore backslash escapes.
    broken = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2)) + ZWSP, flat)
    return _PUNCTUATION.sub(r"\\\1", broken)
