"""Gather a :class:`RunReport` from a finished run and its audit rows (pure: data in, data out)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from agent.diff.group import group
from agent.events import RunDetails, RunFinished
from agent.identity.audit import SHOWN_CHARS
from agent.identity.audit import AuditEvent as IdentityEvent
from agent.models import LEVEL_ORDER, Change, LogSignal, Proposal, Redaction
from agent.plan.safety import NOT_RUN_CODE
from agent.report.model import (
    ChangeRow,
    Coverage,
    Failure,
    Identity,
    ProposalRow,
    Reason,
    RunReport,
    Stage,
    Suspect,
    Tally,
    Usage,
)

MAX_DRAWN = 400  # operations drawn in the coverage map; the rest (untouched ones) are counted


class AuditRow(Protocol):
    """An audit row as the store gives it back."""

    @property
    def event(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...


def build_report(
    finished: RunFinished,
    *,
    generated: str,
    audit: Sequence[AuditRow] | None = None,
    identities: Sequence[IdentityEvent] = (),
) -> RunReport:
    """The report of ``finished``; ``audit`` None means the store kept no audit trail."""
    details = finished.details or RunDetails()
    summary = finished.summary
    llm = next((row.data for row in audit or () if row.event == "llm"), {})
    return RunReport(
        run_id=summary.run_id,
        kind=details.kind,
        title=details.title,
        generated=generated,
        summary=summary,
        changes=_changes(details.changes),
        change_levels=_tally(c.level for c in details.changes),
        change_rules=_tally(c.id for c in details.changes),
        failures=[_failure(s) for s in details.signals],
        proposals=[_proposal(p, details) for p in details.proposals],
        redactions=_redactions(details.redactions),
        suspects=[_suspect(r.data) for r in audit or () if r.event == "injection-suspected"],
        identities=[_identity(e) for e in identities],
        usage=_usage(finished, llm.get("usage") or {}),
        stages=[Stage(name=t.stage, seconds=t.seconds, summary=t.summary) for t in details.stages],
        coverage=(cover := _coverage(details))[:MAX_DRAWN],
        coverage_hidden=max(0, len(cover) - MAX_DRAWN),
        notices=[Reason(code=f.code, message=f.message) for f in finished.notices],
        recorded=audit is not None,
    )


def _tally(labels: Iterable[str]) -> list[Tally]:
    """Counts per label, most first."""
    return [Tally(label=k, count=n) for k, n in Counter(labels).most_common()]


def _changes(changes: Sequence[Change]) -> list[ChangeRow]:
    """One row per root change, errors first."""
    rows = [
        ChangeRow(
            rule=g.first.id,
            level=g.first.level,
            operation=g.first.operation,
            text=g.first.text,
            reach=len(g.operations) or 1,
        )
        for g in group(changes)
    ]
    return sorted(rows, key=lambda r: -LEVEL_ORDER[r.level])


def _failure(signal: LogSignal) -> Failure:
    where = signal.provenance
    status = f" → {signal.status}" if signal.status is not None else ""
    error = f" ({signal.exception})" if signal.exception else ""
    return Failure(
        line=f"{signal.method} {signal.url}{status}{error}",
        operation=signal.operation,
        dag=where.dag_id,
        run=where.run_id,
        task=where.task_id,
        try_number=where.try_number,
        file=where.file,
        at=where.line,
    )


def _name(proposal: Proposal, kept: bool) -> str:
    """Rule-made names come from the spec's structure; a model's words and a dropped test's are not shown."""
    name = proposal.item.get("name")
    if not kept or proposal.generator != "rules" or not isinstance(name, str):
        return f"{proposal.intent.kind.value} test ({proposal.generator})"
    return name


def _verify(proposal: Proposal, details: RunDetails) -> tuple[str, bool]:
    """What verify said of it, and whether it was flaky."""
    for finding in proposal.findings:
        if finding.code.startswith("sandbox-") and finding.code != "sandbox-failure":
            return finding.message, finding.code == "sandbox-flaky"
    if proposal.id in details.proven and details.verify_runs:
        return f"passed {details.verify_runs} of {details.verify_runs} runs", False
    return "not run", False


def _proposal(proposal: Proposal, details: RunDetails) -> ProposalRow:
    kept = proposal.ok and proposal.status != "dropped"
    verify, flaky = _verify(proposal, details)
    drift = proposal.drift
    return ProposalRow(
        id=proposal.id,
        name=_name(proposal, kept),
        operation=proposal.intent.operation,
        kind=proposal.intent.kind.value,
        generator=proposal.generator,
        kept=kept,
        safety=proposal.intent.safety,
        not_run=any(f.code == NOT_RUN_CODE for f in proposal.findings),
        catches_old=proposal.catches_old,
        verify=verify,
        flaky=flaky,
        reasons=[
            Reason(code=f.code, message=f.message)
            for f in proposal.findings
            if f.severity == "error" or f.code == NOT_RUN_CODE
        ],
        drift=f"{drift.message}" + (f"; it answered {drift.excerpt}" if drift.excerpt else "")
        if drift
        else None,
    )


def _redactions(redactions: Sequence[Redaction]) -> list[Tally]:
    """Counts by kind and source; the placeholder and the value never appear."""
    counts = Counter((r.kind, r.origin) for r in redactions)
    return [Tally(label=k, detail=origin, count=n) for (k, origin), n in counts.most_common()]


def _suspect(data: Mapping[str, Any]) -> Suspect:
    score = data.get("score")
    line = data.get("line")
    return Suspect(
        origin=str(data.get("origin") or ""),
        line=line if isinstance(line, int) else None,
        rule=str(data.get("rule") or ""),
        score=float(score) if isinstance(score, int | float) else None,
        text=str(data.get("text") or ""),
    )


def _identity(event: IdentityEvent) -> Identity:
    return Identity(
        at=event.at.isoformat(timespec="seconds"),
        outcome=event.outcome,
        source=event.source,
        target=event.target or "",
        subject=event.subject or event.client_id or "",
        scopes=" ".join(event.scopes),
        expires=event.expires_at.isoformat(timespec="seconds") if event.expires_at else "",
        fingerprint=(event.fingerprint or "")[:SHOWN_CHARS],
        reason=event.reason or "",
    )


def _usage(finished: RunFinished, usage: Mapping[str, Any]) -> Usage:
    summary = finished.summary

    def count(key: str) -> int | None:
        value = usage.get(key)
        return value if isinstance(value, int) else None

    return Usage(
        proposals=summary.llm_proposals,
        refused=summary.llm_refused,
        tokens=summary.llm_tokens,
        cost_usd=summary.llm_cost_usd,
        requests=count("requests"),
        cached=count("cached"),
        prompt_tokens=count("prompt_tokens"),
        completion_tokens=count("completion_tokens"),
    )


def _coverage(details: RunDetails) -> list[Coverage]:
    """Every operation of the spec (and any a change or log names), the ones with marks first."""
    tested = {p.intent.operation for p in details.proposals if p.ok and p.status != "dropped"}
    changed = {c.operation for c in details.changes if c.operation}
    failing = {s.operation for s in details.signals if s.operation}
    spec = set(details.operations)
    names = list(dict.fromkeys([*details.operations, *sorted((changed | failing) - spec)]))
    rows = [
        Coverage(
            operation=n, tested=n in tested, changed=n in changed, failing=n in failing, in_spec=n in spec
        )
        for n in names
    ]
    return sorted(rows, key=lambda r: not (r.tested or r.changed or r.failing))
