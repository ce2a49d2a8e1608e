"""The guardrails-ai gate: the policy checks as registered validators, and a Guard around them.

The rule generator and the LLM generator pass the same gate: the LLM adapter wraps its
structured output in :func:`build_guard` (re-asks on failure); anything else calls
:func:`check_with_guard`, which validates locally with ``Guard.parse`` (no model call).
:func:`agent.offline.ensure_offline` runs before guardrails is imported, so no telemetry
and no remote inference leave the machine.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from typing import Any

from agent.offline import ensure_offline

ensure_offline()

from guardrails import Guard  # noqa: E402 - must come after ensure_offline()
from guardrails.validators import (  # noqa: E402
    FailResult,
    PassResult,
    ValidationResult,
    Validator,
    register_validator,
)
from pydantic import BaseModel, ConfigDict, Field, create_model  # noqa: E402

from agent.boundary.outbound import policy  # noqa: E402
from agent.boundary.outbound.request import Declared, check_names, check_request  # noqa: E402
from agent.models import Finding  # noqa: E402

DEFAULT_REASKS = 2
_LINE = re.compile(r"^(?P<code>[a-z0-9-]+) at (?P<location>.+?): (?P<message>.*)$")


def _fail_or_pass(findings: list[Finding]) -> ValidationResult:
    errors = [f for f in findings if f.severity == "error"]
    if not errors:
        return PassResult()
    # The message is what a re-ask shows the model: codes and places, never values.
    return FailResult(error_message="\n".join(f"{f.code} at {f.location}: {f.message}" for f in errors))


def _events_source(events: Any) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    for index, event in enumerate(events if isinstance(events, list) else []):
        if isinstance(event, dict):
            listen = str(event.get("listen", "script"))
            out.append((index, listen, policy.script_source(event)))
    return out


class _PolicyValidator(Validator):  # type: ignore[misc]
    """A validator that knows this run's secret variable names."""

    def __init__(self, secret_names: Sequence[str] = (), on_fail: Any = None, **kwargs: Any) -> None:
        super().__init__(on_fail=on_fail, secret_names=list(secret_names), **kwargs)
        self.secret_names = list(secret_names)


@register_validator(name="postwright/script-policy", data_type="all")
class ScriptPolicy(_PolicyValidator):
    """Postman scripts use only the capabilities the policy allows (``boundary.policy``)."""

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        findings: list[Finding] = []
        for index, listen, source in _events_source(value):
            if source.strip():
                findings.extend(
                    policy.check_script(
                        source,
                        secret_names=self.secret_names,
                        where=f"event[{index}:{listen}]",
                    )
                )
        return _fail_or_pass(findings)


@register_validator(name="postwright/request-policy", data_type="all")
class RequestPolicy(_PolicyValidator):
    """The request uses ``{{baseUrl}}``, carries credentials only as variables in credential
    fields, and names no host in its data.

    ``declared`` holds the (in, name) pairs the spec's ``securitySchemes`` put credentials in
    (``SpecContext.credential_fields``), judged as the check stage judges them: an API key in
    header ``project_id`` is a credential field, not data.
    """

    def __init__(
        self, secret_names: Sequence[str] = (), declared: Declared = (), on_fail: Any = None, **kwargs: Any
    ) -> None:
        pairs = sorted((str(where), str(name)) for where, name in declared)
        super().__init__(
            secret_names=secret_names, on_fail=on_fail, declared=[list(p) for p in pairs], **kwargs
        )
        self.declared = frozenset(pairs)

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        findings = check_request(value, "request", self.secret_names, check_data=True, declared=self.declared)
        return _fail_or_pass(findings)


def _lines(value: Any, key: str = "") -> list[str]:
    """Flatten JSON into ``key: value`` lines; Postman {key, value} pairs become one line.

    Scanning lines, not JSON text, keeps the Redactor's keyed rules meaningful (a header
    named Authorization is a key, ``"key": "Authorization"`` is not a secret).
    """
    if isinstance(value, dict):
        if isinstance(value.get("key"), str) and isinstance(value.get("value"), str):
            return [f"{value['key']}: {value['value']}"]
        return [line for k, v in value.items() for line in _lines(v, str(k))]
    if isinstance(value, list):
        return [line for v in value for line in _lines(v, key)]
    if isinstance(value, str):
        return [f"{key}: {value}" if key and key != "exec" else value]
    return []


def secret_findings(value: Any) -> list[Finding]:
    """Secrets anywhere in a value, found by the Redactor (kinds and lines, never values)."""
    from agent.boundary.inbound.redact import Redactor

    lines = _lines(value)
    text = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    findings = []
    # guardrails may run validators on threads: the engine keeps a hyperscan scratch per thread
    for secret in Redactor().findings(text):
        line_no = bisect.bisect_right(starts, secret.start)  # the first line starting after it
        findings.append(
            Finding(
                severity="error",
                code="secret-in-proposal",
                location=f"line {line_no}",
                message=f"a {secret.kind} ({secret.rule}) would leave the boundary",
            )
        )
    return findings


@register_validator(name="postwright/no-secret", data_type="all")
class NoSecret(Validator):  # type: ignore[misc]
    """No secret-shaped value anywhere in the field."""

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        return _fail_or_pass(secret_findings(value))


@register_validator(name="postwright/no-injection-in-names", data_type="all")
class NoInjectionInNames(Validator):  # type: ignore[misc]
    """Names and descriptions do not read as instructions (they reach prompts and PRs)."""

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        item = {"name": value} if isinstance(value, str) else value if isinstance(value, dict) else {}
        return _fail_or_pass(check_names(item, "item"))


def proposal_models(secret_names: Sequence[str] = (), declared: Declared = ()) -> type[BaseModel]:
    """Pydantic models of the LLM's structured output, with the validators attached.

    Built per call: guardrails reads (and mutates) the field metadata, and the validators
    carry this run's secret names and the spec's credential fields (``declared``).
    """

    def validators(*items: Validator) -> dict[str, Any]:
        return {"validators": list(items)}

    item_model = create_model(
        "GuardedItem",
        __config__=ConfigDict(extra="allow"),
        name=(
            str,
            Field(description="test name", json_schema_extra=validators(NoInjectionInNames(on_fail="reask"))),
        ),
        request=(
            dict[str, Any],
            Field(
                description="Postman v2.1 request",
                json_schema_extra=validators(
                    RequestPolicy(secret_names=secret_names, declared=declared, on_fail="reask"),
                    NoSecret(on_fail="reask"),
                ),
            ),
        ),
        event=(
            list[dict[str, Any]],
            Field(
                default_factory=list,
                description="Postman v2.1 events",
                json_schema_extra=validators(
                    ScriptPolicy(secret_names=secret_names, on_fail="reask"),
                    NoSecret(on_fail="reask"),
                ),
            ),
        ),
    )
    return create_model("ProposalItems", items=(list[item_model], Field(description="proposed items")))  # type: ignore[valid-type]


def build_guard(
    secret_names: Sequence[str] = (), num_reasks: int = DEFAULT_REASKS, declared: Declared = ()
) -> Guard:
    """A Guard for ``{"items": [postman items]}`` output, re-asking on any policy failure;
    ``declared``: the spec's credential fields (``SpecContext.credential_fields``)."""
    guard = Guard.for_pydantic(proposal_models(secret_names, declared), name="postwright-proposals")
    guard.configure(num_reasks=num_reasks, allow_metrics_collection=False)
    return guard


def _findings_from(outcome: Any, guard: Guard) -> list[Finding]:
    findings: list[Finding] = []
    last = guard.history.last if guard.history else None
    for log in last.validator_logs if last is not None else []:
        result = log.validation_result
        if not isinstance(result, FailResult):
            continue
        for line in (result.error_message or "").splitlines():
            match = _LINE.match(line)
            where = str(log.property_path)
            if match:
                findings.append(
                    Finding(
                        severity="error",
                        code=match["code"],
                        message=match["message"],
                        location=f"{where} {match['location']}",
                    )
                )
            elif line.strip():
                findings.append(
                    Finding(severity="error", code=log.registered_name, message=line, location=where)
                )
    if not findings and getattr(outcome, "error", None):
        findings.append(Finding(severity="error", code="guard-error", message=str(outcome.error)[:200]))
    return findings


def check_with_guard(
    item_json: str, secret_names: Sequence[str] = (), guard: Guard | None = None, declared: Declared = ()
) -> tuple[bool, list[Finding]]:
    """Validate one Postman item (JSON text) through the Guard, offline; (ok, findings).

    A ``guard`` given was built with its own ``declared``; otherwise one is built with these.
    """
    try:
        item = json.loads(item_json)
    except json.JSONDecodeError as exc:
        return False, [Finding(severity="error", code="item-json", message=f"not JSON: {exc.msg}")]
    if not isinstance(item, dict):
        return False, [Finding(severity="error", code="item-json", message="the item must be a JSON object")]
    guard = guard or build_guard(secret_names, num_reasks=0, declared=declared)
    outcome = guard.parse(json.dumps({"items": [item]}), num_reasks=0)
    findings = _findings_from(outcome, guard)
    return bool(outcome.validation_passed) and not findings, findings
