"""The outbound secret gate: no secret-shaped value leaves in a proposal, whoever wrote it.

The request and script policy runs in ``agent.check`` (``policy.check_item``); this adds
the redactor's detectors over every string of the item. Postman's ``{"key", "value"}`` pairs
are scanned as ``key: value`` lines, the shape the detectors know for headers and
parameters, so a literal ``Authorization`` value is caught while the JSON around it is not
mistaken for one.

A value the spec itself lists in an ``enum`` (or as a ``const``) is public: the spec's
redaction keeps it (``sanitize_spec``), every reader of the spec has it, and a test must be
able to send it and assert it (Jira's ``searcherKey`` values, an enum of access levels whose
neighbour reads as ``"authenticated": "project-unknown"``).
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any

from agent.boundary.inbound.redact import Redactor
from agent.models import SAFETY_CLASSES, Finding, Proposal


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


def public_values(doc: Any) -> frozenset[str]:
    """Every string the spec lists as an ``enum`` member or a ``const``, and our own safety
    classes (the ``pwSafety`` item variable reads as a password: ``pw`` names one)."""
    out: set[str] = set(SAFETY_CLASSES)
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            enum, const = node.get("enum"), node.get("const")
            if isinstance(enum, list):
                out.update(v for v in enum if isinstance(v, str))
            if isinstance(const, str):
                out.add(const)
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return frozenset(out)


def secret_findings(
    redactor: Redactor, proposal: Proposal, public: Callable[[], Container[str]] | None = None
) -> list[Finding]:
    """One error finding per secret-shaped value in the item (kind only, never the value).

    The strings are scanned as one text, a line each: one detector pass per item. ``public``
    gives the spec's public values (see the module docstring); it is asked only on a finding.
    """
    text = "\n".join(_texts(proposal.item))
    found = redactor.findings(text)
    if found and public is not None:
        known = public()
        found = [secret for secret in found if text[secret.start : secret.end] not in known]
    return [
        Finding(
            severity="error", code="secret-in-proposal", message=f"a {secret.kind} would leave the boundary"
        )
        for secret in found
    ]
