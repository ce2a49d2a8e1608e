"""Safety classes: what running an operation does to the server it runs against (pure).

``read`` (GET, HEAD, OPTIONS, and POSTs that only search), ``write`` (PUT, PATCH, a POST to one
object's own path), ``create`` (other POSTs), ``destructive`` (DELETE, and any operation whose
effect is to end sessions, revoke, clear, purge, reset, shut down, restart, kill, drop, truncate,
disable, cancel ...). The verdict reads the method, the literal path segments, the verb of the
``operationId`` and of the summary; an ``x-postwright-safety`` extension on the operation
overrides it with one of the four names (anything else is a finding, and the heuristic stands).

GraphQL endpoints stay ``create``: one POST carries queries and mutations alike, so only the
user can say it reads (``x-postwright-safety: read``). Words are matched whole, from our own
vocabulary; a reason never quotes the spec's text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.models import SAFETY_CLASSES, Finding, Safety

__all__ = [
    "EXTENSION",
    "MARKER",
    "NOT_RUN",
    "NOT_RUN_CODE",
    "SAFETY_CLASSES",
    "Safety",
    "Verdict",
    "classify",
    "item_findings",
    "marker",
    "marked",
]

EXTENSION = "x-postwright-safety"
MARKER = "pwSafety"  # the item variable that carries the class into a collection file
# How a test left out against a real target is told: kept, marked, never counted as failed.
NOT_RUN = "not run against the target"
NOT_RUN_CODE = "not-run-against-target"

_READ_METHODS = frozenset({"get", "head", "options", "trace"})
_WRITE_METHODS = frozenset({"put", "patch"})
# Verbs whose effect ends or removes something: a session, a token, data, a process.
_DESTRUCTIVE = frozenset(
    {
        "logout", "logoff", "signout", "shutdown", "restart", "reboot", "kill", "revoke", "clear",
        "purge", "reset", "drop", "truncate", "disable", "deactivate", "terminate", "invalidate",
        "wipe", "erase", "destroy", "delete", "remove", "cancel", "abort", "stop", "expire", "flush",
        "uninstall", "unregister", "suspend", "evict", "eviction", "deletecollection", "unlink",
        "unsubscribe", "rotate", "regenerate", "redact", "anonymize",
    }
)  # fmt: skip
_DESTRUCTIVE_PAIRS = frozenset(
    {("log", "out"), ("log", "off"), ("sign", "out"), ("sign", "off"), ("shut", "down")}
)
# A POST whose last literal segment (or operationId verb) names one of these only reads.
_SEARCH = frozenset(
    {"search", "query", "filter", "count", "lookup", "find", "msearch", "mget", "bulkfetch", "paginate"}
)
_CREATE_VERBS = frozenset({"create", "add", "new", "insert", "register", "save", "upload", "import"})
_TOKEN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


@dataclass(frozen=True)
class Verdict:
    """A class and one line saying why; ``problem`` when the spec's extension was unusable."""

    safety: Safety
    reason: str
    problem: str | None = None


def words(text: str) -> list[str]:
    """Lower-case words of an identifier or sentence (camelCase, kebab, snake, slashes split)."""
    return [t.lower() for t in _TOKEN.findall(text)]


def classify(method: str, path: str, operation: Mapping[str, Any] | None = None) -> Verdict:
    """The safety class of ``method`` ``path`` (a template) with its operation object, if any."""
    op = operation or {}
    problem = None
    if EXTENSION in op:
        chosen = op[EXTENSION]
        if isinstance(chosen, str) and chosen in SAFETY_CLASSES:
            return Verdict(chosen, f"{EXTENSION} in the spec")
        problem = (
            f"{method.upper()} {path}: {EXTENSION} must be one of {', '.join(SAFETY_CLASSES)}; "
            "classified from the operation instead"
        )
    verdict = _heuristic(method.lower(), path, op)
    return Verdict(verdict.safety, verdict.reason, problem)


def _heuristic(method: str, path: str, op: Mapping[str, Any]) -> Verdict:
    if method == "delete":
        return Verdict("destructive", "DELETE")
    pieces = [s for s in re.split(r"[/:]", path) if s]  # "/v1/{name}:cancel" is a custom method
    literal = [s for s in pieces if not s.startswith("{")]
    last = words(pieces[-1]) if pieces and not pieces[-1].startswith("{") else []
    op_id = op.get("operationId")
    verb = words(op_id.rsplit("/", 1)[-1]) if isinstance(op_id, str) else []
    summary = op.get("summary")
    head = words(summary)[:2] if isinstance(summary, str) else []
    creates = {*verb[:1], *head[:1]} & _CREATE_VERBS  # POST /filter "Create filter" makes one
    if method in _READ_METHODS:
        # GET /logout ends a session as surely as POST /logout, but GET /reset-status only reads:
        # the path must end in the action, or the operation's first word be it.
        action = _action(last[-1:]) or _pair(last[-2:]) or _action(verb[:1]) or _action(head[:1])
    else:
        # An operation named "create" reads "/remove-token" as the noun it makes, "/eviction" not.
        segments = [t for t in map(words, reversed(literal)) if not (creates and len(t) > 1)]
        action = next((a for t in segments for a in [_action(t)] if a), None)
        action = action or _action(verb) or _action(head[:1])
    action = action or _pair(head)
    if action:
        return Verdict("destructive", f"{action!r} in the path or operation name")
    if method in _READ_METHODS:
        return Verdict("read", method.upper())
    if method in _WRITE_METHODS:
        return Verdict("write", method.upper())
    if method == "post" and _SEARCH & {*last, *verb[:1]} and not creates:
        return Verdict("read", "a POST that searches")
    if method == "post" and pieces and pieces[-1].startswith("{"):
        return Verdict("write", "a POST to one object's path (an update)")
    return Verdict("create", method.upper())


def _action(tokens: list[str]) -> str | None:
    """A destructive verb leading or ending ``tokens`` (``revokeToken``, ``meetingDelete``, log out)."""
    for word in (tokens[:1], tokens[-1:]):
        if word and word[0] in _DESTRUCTIVE:
            return word[0]
    return _pair(tokens[:2]) or _pair(tokens[-2:])


def _pair(tokens: list[str]) -> str | None:
    """A two-word action (log out, sign off, shut down) among ``tokens``."""
    pair = tuple(tokens[:2])
    return " ".join(pair) if pair in _DESTRUCTIVE_PAIRS else None


def marker(safety: Safety) -> dict[str, str]:
    """The item variable that records ``safety`` in a collection."""
    return {"key": MARKER, "value": safety, "type": "string"}


def marked(item: Mapping[str, Any]) -> str | None:
    """The value of the item's safety marker as written (None without one; may be invalid)."""
    for variable in item.get("variable") or []:
        if isinstance(variable, dict) and variable.get("key") == MARKER:
            value = variable.get("value")
            return value if isinstance(value, str) else ""
    return None


def item_findings(
    item: Mapping[str, Any], method: str, path: str, operation: Mapping[str, Any]
) -> list[Finding]:
    """The item's marker must name the class the spec gives its operation (a model cannot pick one)."""
    written = marked(item)
    if written is None:
        return []  # a person's item: classified from its request when it runs
    expected = classify(method, path, operation).safety
    if written == expected:
        return []
    shown = written if written in SAFETY_CLASSES else "an unknown class"
    return [
        Finding(
            severity="error",
            code="safety-mismatch",
            message=f"the item is marked {shown} but the spec makes {method.upper()} {path} {expected}",
        )
    ]
