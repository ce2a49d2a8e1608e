"""The outbound secret gate: no secret-shaped value leaves in a proposal, whoever wrote it.

The request and script policy runs in ``agent.check`` (``policy.check_item``); this adds
the redactor's detectors over every string of the item. Postman's ``{"key", "value"}`` pairs
are scanned as ``key: value`` lines, the shape the detectors know for headers and
parameters, so a literal ``Authorization`` value is caught while the JSON around it is not
mistaken for one.
"""

from __future__ import annotations

from typing import Any

from agent.boundary.inbound.redact import Redactor
from agent.models import Finding, Proposal


def _texts(node: Any) -> list[str]:
    """Every string of ``node`` in document order, ``{"key", "value"}`` pairs as ``key: value``."""
    out: list[str] = []
    stack = [node]  # iterative: items are walked 14,000 at a time in full-spec runs
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            out.append(current)
        elif isinstance(current, list):
            if all(isinstance(value, str) for value in current):
                out.extend(current)  # script lines: the bulk of an item, taken in one step
            else:
                stack.extend(reversed(current))
        elif isinstance(current, dict):
            if isinstance(current.get("key"), str) and isinstance(current.get("value"), str):
                out.append(f"{current['key']}: {current['value']}")
            rest = [v for k, v in current.items() if k not in ("key", "value") or not isinstance(v, str)]
            stack.extend(reversed(rest))
    return out


def secret_findings(redactor: Redactor, proposal: Proposal) -> list[Finding]:
    """One error finding per secret-shaped value in the item (kind only, never the value).

    The strings are scanned as one text, a line each: one detector pass per item.
    """
    text = "\n".join(_texts(proposal.item))
    return [
        Finding(
            severity="error", code="secret-in-proposal", message=f"a {secret.kind} would leave the boundary"
        )
        for secret in redactor.findings(text)
    ]
