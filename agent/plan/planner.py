"""Changes + log signals → deduplicated, ordered test intents with provenance."""

from __future__ import annotations

from collections.abc import Sequence

from agent.models import Change, Intent, IntentKind, LogSignal, SpecDocument
from agent.plan.draft import Draft
from agent.plan.from_changes import added_operation, drafts_for_change
from agent.plan.from_signals import drafts_for_signal
from agent.specs.document import operations

_KIND_ORDER = {kind: i for i, kind in enumerate(IntentKind)}


def plan(
    changes: Sequence[Change],
    signals: Sequence[LogSignal],
    spec: SpecDocument,
    *,
    full_spec: bool = False,
) -> list[Intent]:
    """Turn diff changes and log signals into test intents for ``spec`` (the new revision).

    Every intent carries its provenance: the fingerprints of the changes and the log
    locations of the signals that asked for it. Intents that test the same thing merge.
    With ``full_spec`` every operation of the spec counts as added. The result is
    deterministic: ordered by the spec's operation order, then kind, then fingerprint.
    """
    doc = spec.document
    merged: dict[str, Draft] = {}

    def add(draft: Draft) -> None:
        found = merged.get(draft.key)
        if found is None:
            merged[draft.key] = draft
        else:
            found.absorb(draft)

    if full_spec:
        for op in operations(doc):
            for draft in added_operation(doc, op):
                add(draft)
    for change in changes:
        for draft in drafts_for_change(change, doc):
            draft.change_fingerprints.append(change.fingerprint)
            add(draft)
    for signal in signals:
        for draft in drafts_for_signal(signal, doc):
            add(draft)
    order = {op.key: i for i, op in enumerate(operations(doc))}
    drafts = sorted(
        merged.values(),
        key=lambda d: (order.get(d.operation, len(order)), _KIND_ORDER[d.kind], d.key),
    )
    return [d.freeze() for d in drafts]
