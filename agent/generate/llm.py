"""The LLM generator: intents + sanitized evidence → proposals, through the guard with re-asks.

For each intent the model gets the trusted TASK and fenced, quarantined evidence within a
token budget (``llm_context``, ``llm_prompt``). Its answer goes through the guardrails
``Guard`` of ``agent.boundary.outbound.guard`` (policy validators, re-asks). Items of an answer that
still fails are re-checked one by one: those that pass are kept, the others become dropped
proposals with the guard's findings. A model that refuses, truncates or is unreachable costs
that intent only; a spent budget stops generation cleanly. The model never decides what is
safe: the same ``check_proposal`` gate runs on every proposal afterwards, in the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.boundary.sealed import Evidence, SanitizedSpec
from agent.errors import ConfigError
from agent.generate import llm_prompt, scripts
from agent.llm.errors import BudgetExhausted, LLMError
from agent.llm.types import Budget, ChatBackend, ChatRequest, Usage
from agent.models import Change, Finding, Intent, Proposal, fingerprint
from agent.plan.safety import marker

MAX_ITEMS = 3
SECRET_NAMES = ("accessToken",)
_KEPT_KEYS = ("name", "request", "event")


@dataclass
class LLMResult:
    """What the LLM generator produced, refused and spent in one run."""

    proposals: list[Proposal] = field(default_factory=list)
    dropped: list[Proposal] = field(default_factory=list)
    failures: list[Finding] = field(default_factory=list)  # intents without a usable answer
    usage: Usage = field(default_factory=Usage)
    template_hashes: dict[str, str] = field(default_factory=dict)
    stopped: str | None = None  # why generation stopped early (the budget), if it did
    quarantined: int = 0  # suspicious evidence spans replaced by markers in prompts
    reasks: int = 0

    def summary(self) -> dict[str, Any]:
        """Counts for the run report."""
        return {
            "generator": "llm",
            "proposals": len(self.proposals),
            "refused_by_guard": len(self.dropped),
            "failed_intents": len(self.failures),
            "reasks": self.reasks,
            "quarantined_spans": self.quarantined,
            "stopped": self.stopped,
            "usage": self.usage.as_dict(),
            "templates": dict(self.template_hashes),
        }


class _Call:
    """The callable guardrails invokes: budget check, backend call, usage; errors kept aside."""

    def __init__(self, backend: ChatBackend, budget: Budget, usage: Usage) -> None:
        self.backend = backend
        self.budget = budget
        self.usage = usage
        self.error: Exception | None = None
        self.calls = 0

    def __call__(self, *args: Any, messages: list[dict[str, Any]] | None = None, **kwargs: Any) -> str:
        request = ChatRequest.of(messages or [], llm_prompt.OUTPUT_SCHEMA)
        try:
            self.calls += 1
            if self.backend.cached(request) is None:
                self._check_budget(request)
            completion = self.backend.complete(request)
        except Exception as exc:
            self.error = exc  # guardrails wraps exceptions in its own type; keep ours
            raise
        self.usage.add(completion)
        return completion.text

    def _check_budget(self, request: ChatRequest) -> None:
        prompt = sum(self.backend.count_tokens(m.content) + 4 for m in request.messages) + 3
        cost = self.backend.price(prompt, self.backend.max_output_tokens)
        reason = self.budget.refusal(self.usage, prompt, self.backend.max_output_tokens, cost)
        if reason:
            raise BudgetExhausted(reason)


def propose(
    intents: Sequence[Intent],
    evidence: Sequence[Evidence],
    spec: SanitizedSpec,
    backend: ChatBackend,
    *,
    budget: Budget | None = None,
    changes: Sequence[Change] = (),
    existing: Sequence[Evidence] = (),
    max_items: int = MAX_ITEMS,
    num_reasks: int = 2,
    seed: int = 0,
) -> LLMResult:
    """Ask the model for proposals for ``intents``; every answer passes the guard.

    ``evidence`` is sealed text (logs, comments) and ``spec`` the sanitized revision; ``changes``
    and ``existing`` (sealed Postman items already in the target collection) add context for
    the intents they concern.
    Proposals carry ``generator="llm"`` and ids ``pw-<fingerprint>``.
    """
    from agent.boundary.outbound.guard import build_guard  # guardrails: slow import, only when used
    from agent.generate.requests import credential_fields

    budget = budget or Budget()
    result = LLMResult()
    # One Guard per run: building one costs ~0.1 s (guardrails makes an HTTP client each time).
    # The spec's credential fields are judged as credentials, as the check stage judges them.
    guard = build_guard(SECRET_NAMES, num_reasks=num_reasks, declared=credential_fields(spec.document))
    for position, intent in enumerate(intents):
        prompt = llm_prompt.build(
            intent,
            spec,
            evidence,
            count=backend.count_tokens,
            budget=budget.context_tokens,
            max_items=max_items,
            changes=changes,
            existing=existing,
            seed=seed,
        )
        result.quarantined += prompt.quarantined
        result.template_hashes.update(prompt.template_hashes)
        call = _Call(backend, budget, result.usage)
        messages = [{"role": m.role, "content": m.content} for m in prompt.request.messages]
        try:
            outcome = guard(call, messages=messages, num_reasks=num_reasks)
        except Exception as exc:  # noqa: BLE001 - guardrails wraps the callable's errors
            error = call.error or exc
            if isinstance(error, ConfigError):
                raise error from None
            result.reasks += max(0, call.calls - 1)
            if isinstance(error, BudgetExhausted):
                result.stopped = error.message
                for rest in intents[position:]:
                    result.failures.append(_failure(rest, "llm-budget", error.message))
                break
            code = error.code if isinstance(error, LLMError) else "llm-error"
            result.failures.append(_failure(intent, code, str(error)[:200]))
            continue
        result.reasks += max(0, call.calls - 1)
        _collect(result, intent, outcome, max_items, guard)
    return result


def _failure(intent: Intent, code: str, message: str) -> Finding:
    return Finding(severity="warning", code=code, message=message, location=f"intent {intent.fingerprint}")


def _items(outcome: Any) -> list[Any] | None:
    """The answer's items: the validated output, else the last raw output parsed."""
    if outcome.validation_passed and isinstance(outcome.validated_output, dict):
        items = outcome.validated_output.get("items")
        return items if isinstance(items, list) else []
    try:
        raw = json.loads(outcome.raw_llm_output or "")
    except (TypeError, ValueError):
        return None
    items = raw.get("items") if isinstance(raw, dict) else None
    return items if isinstance(items, list) else None


def _collect(result: LLMResult, intent: Intent, outcome: Any, max_items: int, guard: Any) -> None:
    """Turn one guarded answer into kept and dropped proposals."""
    from agent.boundary.outbound.guard import check_with_guard

    items = _items(outcome)
    if items is None:
        result.failures.append(_failure(intent, "llm-unparseable", "no JSON answer even after re-asks"))
        return
    for index, raw in enumerate(items[:max_items]):
        proposal = _proposal(intent, index, raw)
        if proposal is None:
            result.failures.append(_failure(intent, "llm-item-shape", f"item {index} is not a Postman item"))
            continue
        # Re-check each item alone: one bad item must not sink its siblings, and the
        # reasons recorded are that item's own.
        ok, findings = check_with_guard(json.dumps(proposal.item), SECRET_NAMES, guard=guard)
        if ok:
            result.proposals.append(proposal)
        else:
            result.dropped.append(proposal.model_copy(update={"findings": findings, "status": "dropped"}))


def _proposal(intent: Intent, index: int, raw: Any) -> Proposal | None:
    """A Proposal from one model item; only name, request and event are taken from the model."""
    if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
        return None
    try:  # the same check the script builder applies ("200\n" or Unicode digits are no status)
        status = scripts.status_code(str(raw.get("expected_status", "")))
    except scripts.Refused:
        status = intent.expected_status
    fp = fingerprint("llm", intent.fingerprint, index)
    pid = f"pw-{fp}"
    derived = intent.model_copy(update={"expected_status": status, "fingerprint": fp})
    item: dict[str, Any] = {"id": pid}
    for key in _KEPT_KEYS:
        if key in raw:
            item[key] = raw[key]
    item["name"] = str(item.get("name") or f"{intent.operation} [llm]")[:240]
    item["description"] = (
        f"{intent.text}\n\nGenerated by postwright (llm) for a {intent.kind.value} intent; "
        f"parent intent {intent.fingerprint}."
    )
    item["response"] = []
    item["variable"] = [marker(intent.safety)]  # ours, from the spec: a model never picks its class
    found = item.get("event")
    events: list[Any] = found if isinstance(found, list) else []
    for n, event in enumerate(events):
        script = event.get("script") if isinstance(event, dict) else None
        if isinstance(script, dict):
            script["id"] = f"{pid}-{event.get('listen', 'test')}-{n}"
            script.setdefault("type", "text/javascript")
    item["event"] = events
    return Proposal(id=pid, intent=derived, generator="llm", item=item)
