"""The outbound secret gate: no secret-shaped value leaves in a proposal, whoever wrote it.

The request and script policy runs in ``agent.validate`` (``policy.check_item``); this adds
the redactor's detectors over every string of the item. Postman's ``{"key", "value"}`` pairs
are scanned as ``key: value`` lines, the shape the detectors know for headers and
parameters, so a literal ``Authorization`` value is caught while the JSON around it is not
mistaken for one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agent.boundary.redact import Redactor
from agent.models import Finding, Proposal


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)
    elif isinstance(node, dict):
        if isinstance(node.get("key"), str) and isinstance(node.get("value"), str):
            yield f"{node['key']}: {node['value']}"
        for key, value in node.items():
            if key not in ("key", "value") or not isinstance(value, str):
                yield from _texts(value)


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
