"""A review request's body and comments as text: the hidden marker, the size cap, the overflow (pure).

The marker carries what a later run must know about the request: the base commit its branch
was built on and the ids of the tests it proposes (compressed, so thousands of ids still fit).
Bodies are cut at a line to stay under the host's cap; what does not fit goes to the report
comment, which is cut likewise and says how much it left out.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass

from agent.errors import PublishFailed
from agent.publish.markdown import code

GITHUB_MAX_BODY = 65_536  # GitHub's cap on a PR body and on a comment, in characters
REPORT_MARKER = "<!-- postwright:report -->"
HANDS_OFF_MARKER = "<!-- postwright:hands-off -->"
_MARKER = re.compile(r"<!-- postwright:change-set base=([0-9a-f]{0,64}) ids=([A-Za-z0-9+/=]*) -->")
_CUT_NOTE = "\n… the rest of this description is in the postwright report comment.\n"


@dataclass(frozen=True)
class Marker:
    """What a request's body records: its branch's base commit and the test ids it proposes."""

    base: str = ""
    ids: frozenset[str] = frozenset()

    def render(self) -> str:
        packed = base64.b64encode(zlib.compress("\n".join(sorted(self.ids)).encode(), 9)).decode()
        return f"<!-- postwright:change-set base={self.base} ids={packed} -->"


def read_marker(body: str) -> Marker:
    """The marker in ``body`` (the last one; an empty marker when none, or one that does not decode)."""
    found = _MARKER.findall(body or "")
    if not found:
        return Marker()
    base, packed = found[-1]
    try:
        text = zlib.decompress(base64.b64decode(packed, validate=True)).decode()
    except (binascii.Error, zlib.error, UnicodeDecodeError):
        return Marker(base=base)
    return Marker(base=base, ids=frozenset(i for i in text.split("\n") if i))


def _fit(text: str, limit: int) -> tuple[str, str]:
    """``text`` cut at a line boundary to at most ``limit`` characters, and the rest."""
    if len(text) <= limit:
        return text, ""
    cut = text.rfind("\n", 0, limit)
    cut = cut if cut > 0 else limit
    return text[:cut], text[cut:].lstrip("\n")


def request_body(described: str, summary: str, marker: Marker, *, limit: int) -> tuple[str, str]:
    """The body (description, summary line, marker) under ``limit``, and what did not fit."""
    tail = f"\n\n{summary}\n\n{marker.render()}\n"
    if len(tail) + len(_CUT_NOTE) >= limit:
        raise PublishFailed(
            f"the list of {len(marker.ids)} proposed test ids alone passes the host's {limit}-character cap"
        )
    if len(described) + len(tail) <= limit:
        return described.rstrip("\n") + tail, ""
    head, rest = _fit(described, limit - len(tail) - len(_CUT_NOTE))
    return head.rstrip("\n") + _CUT_NOTE + tail, rest


def report_comment(lines: list[str], overflow: str, *, limit: int) -> str:
    """The sticky report comment: the marker, the report lines, then the body's overflow (capped)."""
    text = "\n".join([REPORT_MARKER, "### postwright report", "", *lines, ""])
    if overflow:
        text += "\n#### The rest of the description\n\n" + overflow
    if len(text) <= limit:
        return text
    note = "\n\n… {} more characters not shown (they are in the run's report).\n"
    head, rest = _fit(text, limit - len(note) - 12)
    return head + note.format(len(rest))


def hands_off_comment(branch: str, shas: list[str], kind: str) -> str:
    """The one comment saying why postwright stopped updating a branch, and how to hand it back."""
    shown = ", ".join(code(s[:12]) for s in shas[:5]) + (
        f" and {len(shas) - 5} more" if len(shas) > 5 else ""
    )
    return "\n".join(
        [
            HANDS_OFF_MARKER,
            f"postwright has stopped updating this {kind}: the branch {code(branch)} has commits"
            f" made by someone else ({shown}), and postwright never overwrites a person's work.",
            "",
            f"To hand it back, delete the branch {code(branch)}: the next run starts it again from"
            " the base with every pending test.",
            "",
        ]
    )
