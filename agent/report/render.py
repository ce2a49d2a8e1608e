"""Render a :class:`RunReport` as one self-contained HTML page (pure: no I/O but the template).

Jinja2 with autoescape on and strict undefined: every string from outside (spec paths, log
lines, messages) is HTML-escaped where it is written, flattened to one line and capped. The
page loads nothing: a CSP meta tag allows inline styles and ``data:`` images only, and the
coverage map is inline SVG.
"""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from agent.report.model import RunReport

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
MAX_TEXT = 300
# C0/C1 controls, line/paragraph separators and bidi overrides (no reordering tricks on the page).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def flat(text: object, limit: int = MAX_TEXT) -> str:
    """One line, no control or bidi characters, at most ``limit`` characters (escaping comes after)."""
    line = " ".join(_INVISIBLE.sub(" ", "" if text is None else str(text)).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("agent.report", "templates"),
        autoescape=True,  # every {{ }} is HTML-escaped; the templates never use |safe
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["flat"] = flat
    return env


def render_report(report: RunReport) -> str:
    """The HTML page of ``report``."""
    return _environment().get_template("report.html.j2").render(r=report, csp=CSP)
