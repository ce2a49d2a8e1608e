"""Requests a target refused because the access token expired inside a newman batch.

newman takes its environment, the token with it, once per process: a token that expires while a
batch runs cannot be swapped in. So the batch's requests refused after the expiry run again at
once with a fresh token, and their verdicts replace the refusals; an identity that fails after
part of a run leaves the missing verdicts unfinished, never failed.
"""

from __future__ import annotations

from typing import Any

from agent.models import Finding
from agent.runner.report import ItemOutcome


def refused_after_expiry(report: dict[str, Any], ids: list[str]) -> list[str]:
    """The items of ``ids`` (in order) that failed on a 401, from a batch whose token is known to
    have expired since it started: maybe the expiry's, not theirs (a retry tells)."""
    failed = {
        str((f.get("source") or {}).get("id", "")) for f in (report.get("run") or {}).get("failures") or []
    }
    refused = {
        str((e.get("item") or {}).get("id", ""))
        for e in (report.get("run") or {}).get("executions") or []
        if (e.get("response") or {}).get("code") == 401
    }
    return [i for i in ids if i in refused and i in failed]


def refresh_notice(index: int, number: int, count: int) -> Finding:
    """Says that a batch's token expired inside it and how many requests ran again."""
    return Finding(
        severity="info",
        code="sandbox-token-refreshed",
        message=(
            f"run {index}, batch {number}: the access token expired during the batch; {count} request(s)"
            " the target refused after that ran again with a refreshed token"
        ),
    )


def unfinish_rest(items: dict[str, ItemOutcome], runs: int, reason: str) -> int:
    """Every verdict still missing after a run stopped is unfinished (not failed); how many."""
    missing = 0
    for outcome in items.values():
        done = outcome.runs_passed + outcome.runs_failed + outcome.runs_unfinished + outcome.runs_skipped
        for _ in range(max(0, runs - done)):
            outcome.unfinish(reason)
            missing += 1
    return missing
