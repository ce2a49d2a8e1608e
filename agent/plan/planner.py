"""Changes + log signals → deduplicated, ordered test intents with provenance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.generate import spec_view
from agent.limits import DEFAULT_LIMITS, Limits
from agent.models import Change, Finding, Intent, IntentKind, LogSignal, Safety, SpecDocument
from agent.plan.draft import Draft
from agent.plan.from_changes import added_operation, drafts_for_change
from agent.plan.from_signals import drafts_for_signal
from agent.plan.safety import classify
from agent.specs.document import operations

_KIND_ORDER = {kind: i for i, kind in enumerate(IntentKind)}


def plan(
    changes: Sequence[Change],
    signals: Sequence[LogSignal],
    spec: SpecDocument,
    *,
    full_spec: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    notes: list[Finding] | None = None,
) -> list[Intent]:
    """Turn diff changes and log signals into test intents for ``spec`` (the new revision).

    Every intent carries its provenance: the fingerprints of the changes and the log
    locations of the signals that asked for it. Intents that test the same thing merge.
    With ``full_spec`` every operation of the spec counts as added. The result is
    deterministic: ordered by the spec's operation order, then kind, then fingerprint.
    No operation gets more than ``limits.max_intents_per_operation`` intents; what a limit
    left out is reported in ``notes`` (one finding per operation or enum), never dropped silently.
    """
    doc = spec.document
    merged: dict[str, Draft] = {}
    found: list[Finding] = []

    def add(draft: Draft) -> None:
        known = merged.get(draft.key)
        if known is None:
            merged[draft.key] = draft
        else:
            known.absorb(draft)

    if full_spec:
        for op in operations(doc):
            for draft in added_operation(doc, op):
                add(draft)
    for change in changes:
        for draft in drafts_for_change(change, doc, limits, found):
            draft.cover(change)
            add(draft)
    for signal in signals:
        for draft in drafts_for_signal(signal, doc):
            add(draft)
    declared = _declared(list(merged.values()), doc, found)
    kept = _cap_per_operation(declared, limits.max_intents_per_operation, found)
    if notes is not None:
        notes.extend(dict.fromkeys(found))  # an enum named by several changes is reported once
    order = {op.key: i for i, op in enumerate(operations(doc))}
    drafts = sorted(kept, key=lambda d: (order.get(d.operation, len(order)), _KIND_ORDER[d.kind], d.key))
    classes = _safety(doc, drafts, notes)
    return [d.freeze().model_copy(update={"safety": classes[d.operation]}) for d in drafts]


def _safety(doc: dict[str, Any], drafts: list[Draft], notes: list[Finding] | None) -> dict[str, Safety]:
    """Each planned operation's safety class; an unusable x-postwright-safety is one finding."""
    classes: dict[str, Safety] = {}
    for draft in drafts:
        if draft.operation in classes:
            continue
        op = spec_view.find_operation(doc, draft.method, draft.path)
        verdict = classify(draft.method, draft.path, op.spec if op is not None else None)
        classes[draft.operation] = verdict.safety
        if verdict.problem and notes is not None:
            notes.append(
                Finding(
                    severity="warning",
                    code="safety-extension",
                    message=verdict.problem,
                    location=draft.operation,
                )
            )
    return classes


def _declared(drafts: list[Draft], doc: dict[str, Any], notes: list[Finding]) -> list[Draft]:
    """Drafts whose expected status the operation declares; the rest are noted, never generated.

    Our own check refuses a test that expects an undeclared status (an operation that answers
    only ``303``, or declares no 4xx for a negative test), so planning one only makes a refusal.
    """
    kept: list[Draft] = []
    skipped: dict[str, list[str]] = {}
    for draft in drafts:
        op = spec_view.find_operation(doc, draft.method, draft.path)
        if op is None or spec_view.status_declared(op, draft.expected_status):
            kept.append(draft)  # an unknown operation is reported by the check, with its reason
        else:
            skipped.setdefault(draft.operation, []).append(draft.expected_status)
    for operation, statuses in skipped.items():
        notes.append(
            Finding(
                severity="warning",
                code="status-undeclared",
                message=f"{operation}: {len(statuses)} test intents not planned: they would expect "
                f"{', '.join(sorted(set(statuses)))}, which the operation does not declare",
                location=operation,
            )
        )
    return kept


def _cap_per_operation(drafts: list[Draft], cap: int, notes: list[Finding]) -> list[Draft]:
    """At most ``cap`` drafts per operation; per-value enum tests are the first to go."""
    by_op: dict[str, list[Draft]] = {}
    for draft in drafts:
        by_op.setdefault(draft.operation, []).append(draft)
    kept: list[Draft] = []
    for operation, group in by_op.items():
        if len(group) <= cap:
            kept += group
            continue
        group.sort(key=lambda d: ("set" in d.details, _KIND_ORDER[d.kind], d.key))
        kept += group[:cap]
        notes.append(
            Finding(
                severity="warning",
                code="limit-intents-per-operation",
                message=f"{operation}: {len(group):,} test intents, only {cap:,} are planned, "
                f"{len(group) - cap:,} left out (limits.max_intents_per_operation)",
                location=operation,
            )
        )
    return kept
