"""Deprecation, sunset dates (``x-sunset``) and stability levels (``x-stability-level``).

oasdiff's lifecycle rules without a deprecation policy (its default): deprecating is info,
removing before the sunset date is an error, a sunset date that cannot be parsed is an error,
a sunset date moved earlier or deleted while the deprecation stays is an error, and lowering
a stability level is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

SUNSET = "x-sunset"
STABILITY = "x-stability-level"
# Lowest to highest; endpoints below "beta" may change without notice.
LEVELS = ("draft", "alpha", "beta", "stable")


@dataclass(frozen=True)
class Sunset:
    """A parsed ``x-sunset``: absent, a date, or text that is not a date."""

    present: bool
    day: date | None
    raw: Any

    @property
    def invalid(self) -> bool:
        return self.present and self.day is None


def sunset_of(node: dict[str, Any]) -> Sunset:
    """The ``x-sunset`` of an operation or parameter (a date or an RFC 3339 timestamp)."""
    if SUNSET not in node:
        return Sunset(False, None, None)
    raw = node[SUNSET]
    if isinstance(raw, datetime):
        return Sunset(True, raw.date(), raw)
    if isinstance(raw, date):
        return Sunset(True, raw, raw)
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return Sunset(True, date.fromisoformat(text), raw)
        except ValueError:
            pass
        try:
            return Sunset(True, datetime.fromisoformat(text.replace("Z", "+00:00")).date(), raw)
        except ValueError:
            pass
    return Sunset(True, None, raw)


def stability_of(node: dict[str, Any]) -> tuple[bool, str | None]:
    """(valid, level) of ``x-stability-level``; an absent level is valid and None."""
    raw = node.get(STABILITY)
    if raw is None:
        return True, None
    return (raw in LEVELS), (raw if raw in LEVELS else str(raw))


def deprecation_rule(stem: str, now: dict[str, Any]) -> str:
    """The rule for something that just became deprecated (``stem`` is "endpoint" or a param)."""
    sunset = sunset_of(now)
    if sunset.invalid:
        return "api-deprecated-sunset-parse" if stem == "endpoint" else "request-parameter-sunset-parse"
    if stem == "endpoint":
        return "endpoint-deprecated-with-sunset" if sunset.present else "endpoint-deprecated"
    return "request-parameter-deprecated"


def sunset_change_rule(stem: str, was: dict[str, Any], now: dict[str, Any]) -> str | None:
    """The rule for a sunset date changed on something deprecated on both sides, if any."""
    before, after = sunset_of(was), sunset_of(now)
    if before.raw == after.raw:
        return None
    endpoint = stem == "endpoint"
    if before.present and not after.present:
        return "sunset-deleted" if endpoint else "request-parameter-sunset-deleted"
    if before.invalid or after.invalid:
        return "api-path-sunset-parse" if endpoint else "request-parameter-sunset-parse"
    if before.day and after.day and after.day < before.day:
        stem = "api-sunset-date" if endpoint else "request-parameter-sunset-date"
        return f"{stem}-changed-too-small"
    return None


def removal_rule(whole_path: bool, was: dict[str, Any], today: date) -> str | None:
    """The rule for a removed operation, or None when its stability allows removal."""
    stem = "api-path-removed" if whole_path else "api-removed"
    _, level = stability_of(was)
    if was.get("deprecated") is not True:
        # draft and alpha endpoints may go without notice (oasdiff's stability policy)
        return None if level in ("draft", "alpha") else f"{stem}-without-deprecation"
    sunset = sunset_of(was)
    if sunset.invalid:
        return "api-path-sunset-parse"
    if sunset.day is not None and sunset.day > today:
        return f"{stem}-before-sunset"
    return f"{stem}-with-deprecation"  # no sunset, or removed after it: announced and due


def stability_rule(was: dict[str, Any], now: dict[str, Any]) -> str | None:
    """The rule for a stability level that is invalid or changed between two operations."""
    b_ok, b_level = stability_of(was)
    r_ok, r_level = stability_of(now)
    if not b_ok or not r_ok:
        return "api-invalid-stability-level"
    if b_level is None or r_level is None or b_level == r_level:
        return None
    lower = LEVELS.index(r_level) < LEVELS.index(b_level)
    return "api-stability-decreased" if lower else "api-stability-increased"


def parameter_removal_rule(param: dict[str, Any], op: dict[str, Any], today: date) -> str | None:
    """The rule for a removed request parameter, or None when the operation's stability allows it."""
    _, level = stability_of(op)
    if param.get("deprecated") is not True:
        return None if level in ("draft", "alpha") else "request-parameter-removed"
    sunset = sunset_of(param)
    if sunset.invalid:
        return "request-parameter-sunset-parse"
    if sunset.day is not None and sunset.day > today:
        return "request-parameter-removed-before-sunset"
    return "request-parameter-removed-with-deprecation"
