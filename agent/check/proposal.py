"""Per-proposal checks against the spec: operation exists, request conforms, status declared,
schema assertion agrees, script policy passes."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from agent.check.conformance import request_violations
from agent.check.spec_context import SpecContext, context_for
from agent.generate import spec_view
from agent.models import Finding, Proposal, SpecDocument
from agent.plan.safety import item_findings
from agent.specs.document import Operation
from agent.urls import split_url

_STATUS = re.compile(r"to\.have\.status\((\d{3})\)")
_WITHIN = re.compile(r"to\.be\.within\((\d{3}),\s*(\d{3})\)")
# String literals (a test's name may quote a spec's text, "to.have.status(599)" included).
# The line scripts.schema writes: the schema is a collection variable named by a literal.
_SHARED = re.compile(r'const schema = JSON\.parse\(pm\.collectionVariables\.get\(("[^"\\]*")\)\);')
_STRINGS = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'""")


def check_proposal(
    proposal: Proposal,
    spec: SpecDocument,
    context: SpecContext | None = None,
    *,
    shared: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Every finding for one proposal against ``spec``; errors mean it must be dropped.

    ``context`` (``SpecContext(spec)``) carries what every check against the same spec
    shares; pass one when checking many proposals, or a cached one is used. ``shared`` maps
    the collection's variables (name → value) for an item whose schema was moved out of it.
    """
    ctx = context if context is not None and context.doc is spec.document else context_for(spec)
    item = proposal.item
    findings: list[Finding] = []  # base URL and credentials: the guard, in _policy
    request = item.get("request")
    if not isinstance(request, dict):
        return [*findings, _error("no-request", "the item has no request object")]
    method = str(request.get("method", "GET")).lower()
    segments = _segments(request.get("url"))
    op, path_values = ctx.match(method, segments)
    if op is None:
        return [
            *findings,
            _error(
                "operation-unknown", f"{method.upper()} /{'/'.join(segments)} is not an operation of the spec"
            ),
        ]
    # the class is the spec's, whoever wrote the item: a marker that says otherwise is refused
    findings += item_findings(item, op.method, op.path, op.spec)
    expected = proposal.intent.expected_status
    if not spec_view.status_declared(op, expected):
        findings.append(_error("status-undeclared", f"{op.key} does not declare status {expected}"))
    for code in _script_statuses(item):
        if not spec_view.status_declared(op, code):
            findings.append(
                _error("status-undeclared", f"the script expects {code}, which {op.key} does not declare")
            )
    violations = request_violations(ctx, op, request, path_values)
    negative = expected[:1] == "4"
    if negative and not violations:
        findings.append(
            _error("negative-test-valid-request", f"expects {expected} but the request conforms to {op.key}")
        )
    if not negative:
        findings += [_error("request-nonconforming", v) for v in violations]
    if not negative:
        findings += _schema_agreement(ctx, op, item, expected, shared or {})
    findings += _policy(item, ctx.credential_fields())
    return findings


def _error(code: str, message: str, location: str | None = None) -> Finding:
    return Finding(severity="error", code=code, message=message, location=location)


def _segments(url: Any) -> list[str]:
    raw = url.get("raw", "") if isinstance(url, dict) else str(url or "")
    if isinstance(url, dict) and isinstance(url.get("path"), list):
        parts = [p if isinstance(p, str) else str(p.get("value", "")) for p in url["path"]]
    else:
        rest = raw.replace("{{baseUrl}}", "", 1)
        parts = split_url(rest if rest.startswith("/") else "/" + rest).path.strip("/").split("/")
    return [unquote(p) for p in parts if p]


def _script_lines(item: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for event in item.get("event") or []:
        script = event.get("script") if isinstance(event, dict) else None
        exec_ = script.get("exec") if isinstance(script, dict) else None
        lines += exec_ if isinstance(exec_, list) else str(exec_ or "").splitlines()
    return [str(line) for line in lines]


def _script_statuses(item: dict[str, Any]) -> list[str]:
    text = _STRINGS.sub('""', "\n".join(_script_lines(item)))
    codes = _STATUS.findall(text)
    codes += [f"{low[0]}XX" for low, high in _WITHIN.findall(text) if low[0] == high[0]]
    return sorted(set(codes))


def _schema_agreement(
    ctx: SpecContext, op: Operation, item: dict[str, Any], expected: str, shared: Mapping[str, Any]
) -> list[Finding]:
    """The schema the script asserts (a shared collection variable, or an inline ``const schema =
    …;``) must equal the spec's response schema."""
    lines = _script_lines(item)
    start = next((i for i, line in enumerate(lines) if line.startswith("const schema = ")), None)
    if start is None:
        return []
    reference = _SHARED.fullmatch(lines[start])
    if reference is not None:
        name = json.loads(reference.group(1))
        own = {v.get("key"): v.get("value") for v in item.get("variable") or [] if isinstance(v, dict)}
        blob = own.get(name, shared.get(name))
        if not isinstance(blob, str):
            return [_error("schema-assertion", f"the script reads {name}, which nothing defines")]
    else:
        end = next((i for i in range(start, len(lines)) if lines[i].rstrip().endswith(";")), None)
        if end is None:
            return [_error("schema-assertion", "the schema literal in the script is not terminated")]
        blob = "\n".join(lines[start : end + 1])[len("const schema = ") :].rstrip().rstrip(";")
    try:
        asserted = json.loads(blob)
    except ValueError:
        return [_error("schema-assertion", "the asserted schema is not JSON")]
    status = expected if expected.isdigit() else spec_view.success_status(op)
    schema = ctx.response_schema(op, status)
    # ``schema: {}`` (Jira's 204s) is "any value": the context has no schema for it, and a
    # script asserting ``{}`` asserts the same nothing.
    if asserted != schema and not (schema is None and asserted == {}):
        return [
            _error(
                "schema-assertion", f"the asserted schema differs from {op.key}'s {status} response schema"
            )
        ]
    return []


def _policy(item: dict[str, Any], declared: frozenset[tuple[str, str]]) -> list[Finding]:
    """The guard's policy for the request, its scripts (against the variables the item's own
    request protects) and its names; no host but ``{{baseUrl}}`` is trusted."""
    from agent.boundary.outbound.policy import check_item

    return check_item(item, declared=declared)
