"""Wires the stages through the ports and yields progress events; no I/O of its own.

sources → boundary (inbound) → diff / log signals → plan → generate → boundary (outbound)
→ verify → publish, with every step recorded in the store.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.boundary.inbound.provenance import sanitize_raw_log, sanitize_record
from agent.boundary.inbound.redact import Redactor
from agent.boundary.inbound.sanitize import sanitize_spec, stream_log
from agent.boundary.sealed import Evidence, SanitizedSpec
from agent.check import check_collection
from agent.check.batch import CHUNK, BatchChecker
from agent.diff import cap_changes, diff_specs
from agent.errors import UsageError
from agent.events import Event, Notice, Progress, RunFinished, StageFinished, StageStarted
from agent.generate import deterministic, postman
from agent.generate.llm_context import log_terms
from agent.limits import DEFAULT_LIMITS, Limits
from agent.llm.types import Budget
from agent.models import (
    Change,
    Finding,
    Intent,
    IntentKind,
    LogSignal,
    Proposal,
    RunSummary,
    SpecDocument,
    fingerprint,
)
from agent.plan import plan
from agent.ports import ChangeSet, LLMBackend, LogSource, Publisher, Runner, SpecSource, Store
from agent.sources.signals import extract_signals
from agent.urls import has_credentials, mask_url

_NO_BASE_URL = Finding(
    severity="info",
    code="base-url-unset",
    message="{{baseUrl}} is empty in the collection: set base_url (or --base-url) or give it when you run"
    " newman; a spec's servers are never used as the target",
)


@dataclass(frozen=True)
class Job:
    """What one run should do."""

    revision: str
    base: str | None = None
    name: str | None = None
    seed: int = 0
    runs: int = 3
    kind: str = "run"
    folders: str = "tag"
    base_url: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # {{baseUrl}} is written into the collection, which is committed: never with credentials.
        if self.base_url and has_credentials(self.base_url):
            raise UsageError(
                f"base URL {mask_url(self.base_url)} carries credentials, and the collection is committed",
                hint="give a token through [sandbox] token_env or the collection's accessToken variable",
            )

    def collection(self, proposals: Sequence[Proposal], spec: SpecDocument) -> dict[str, Any]:
        """The Postman collection of ``proposals``, as this job wants it rendered."""
        title = (spec.document.get("info") or {}).get("title") or "API"
        return postman.build_collection(
            self.name or str(title),
            proposals,
            base_url=self.base_url or "",  # the user's; a spec's servers are data, never a target
            folders=self.folders,
            tags=postman.operation_tags(spec.document),
        )


@dataclass
class Pipeline:
    """The stages, bound to the adapters chosen for this run."""

    specs: SpecSource
    store: Store
    logs: LogSource | None = None
    runner: Runner | None = None
    publisher: Publisher | None = None
    llm: LLMBackend | None = None
    budget: Budget | None = None
    redactor: Redactor = field(default_factory=Redactor)
    collection: dict[str, Any] | None = None
    quarantined: int = 0
    workers: int = 1  # processes for the check stage (large batches only)
    limits: Limits = DEFAULT_LIMITS  # bounds on what one (hostile) input can cost

    def run(self, job: Job) -> Iterator[Event]:
        """Run every stage, yielding events; the last is :class:`RunFinished`."""
        run_id = self.store.start_run(job.kind, sanitize_record(self.redactor, job.config))
        summary: dict[str, Any] = {"run_id": run_id}
        notices: list[Finding] = []
        status = "failed"
        checker: BatchChecker | None = None
        try:
            yield StageStarted("load")
            revision = sanitize_spec(self.redactor, self.specs.load(job.revision))
            base = sanitize_spec(self.redactor, self.specs.load(job.base)) if job.base else None
            yield StageFinished("load", f"{'2 specs' if base else '1 spec'} loaded")

            evidence: list[Evidence] = []
            signals = yield from self._signals(revision, run_id, evidence)
            summary["signals"] = len(signals)
            summary["quarantined"] = self.quarantined

            yield StageStarted("diff")
            limited: list[Finding] = []
            found: list[Change] = diff_specs(base, revision, self.limits, limited) if base else []
            summary["changes"] = len(found)
            changes, capped = cap_changes(found, self.limits)
            for change in changes:
                self.store.remember(change.fingerprint, "change", run_id)
            for note in [*limited, *([capped] if capped else [])]:
                notices.append(note)
                yield Notice("diff", note)
            yield StageFinished("diff", f"{len(found)} changes")

            yield StageStarted("plan")
            limited = []
            intents = plan(
                changes, signals, revision, full_spec=base is None, limits=self.limits, notes=limited
            )
            for note in limited:
                notices.append(note)
                yield Notice("plan", note)
            summary["intents"] = len(intents)
            yield StageFinished("plan", f"{len(intents)} test intents")

            yield StageStarted("generate", len(intents))
            # Proposals are checked in worker processes while the next ones are generated.
            checker = BatchChecker(revision, self.redactor, workers=self.workers)
            proposals: list[Proposal] = []
            for start in range(0, len(intents), CHUNK):
                chunk = deterministic.generate(intents[start : start + CHUNK], revision, seed=job.seed)
                checker.submit(chunk)
                proposals += chunk
                yield Progress("generate", len(proposals), len(intents))
            dropped: list[Proposal] = []
            by_model = ""
            if self.llm is not None:
                extra = yield from self._llm(
                    intents, evidence, revision, changes, job, run_id, summary, dropped
                )
                checker.submit(extra)
                proposals = [*proposals, *extra]
                by_model = f", {len(extra)} from the model ({summary['llm_refused']} refused by the guard)"
            summary["proposals"] = len(proposals)
            yield StageFinished("generate", f"{len(proposals)} proposals{by_model}")

            checked = yield from self._check(proposals, checker, revision, job, notices, dropped)
            kept = yield from self._verify(checked, revision, job, notices, dropped)
            summary.update(kept=len(kept), dropped=len(dropped))
            self.store.add_proposals(run_id, [*kept, *dropped])
            self.store.add_redactions(run_id, self.redactor.report)
            summary["redactions"] = len(self.redactor.report)

            if kept is not checked:  # verification dropped some: render again (else _check's stands)
                self.collection = job.collection(kept, revision)
            if self.publisher is not None and kept:
                yield StageStarted("publish")
                change_set = self._change_set(job, changes, signals, kept, dropped, RunSummary(**summary))
                result = self.publisher.publish(change_set)
                for proposal in kept:
                    self.store.set_status(proposal.id, "published", actor="postwright", reason=result.branch)
                summary["publish"] = result
                yield StageFinished(
                    "publish", f"branch {result.branch}" + ("" if result.created else " (already up to date)")
                )
            status = "ok"
        finally:
            if checker is not None:
                checker.close()  # a stage that failed leaves no worker behind
            self.store.finish_run(run_id, status, {k: v for k, v in summary.items() if k != "publish"})
        yield RunFinished(RunSummary(**summary), notices)

    def _signals(
        self, revision: SpecDocument, run_id: str, kept_evidence: list[Evidence]
    ) -> Generator[Event, None, list[LogSignal]]:
        """Read every log once, as a stream: signals, injection audit and (bounded) LLM excerpts."""
        signals: list[LogSignal] = []
        if self.logs is None:
            return signals
        yield StageStarted("logs")
        seen: set[str] = set()
        # Only what the model's context can use is kept of a log: the lines around mentions
        # of the spec's paths (capped), never the whole log.
        terms = log_terms(revision.document) if self.llm is not None else frozenset()
        for count, raw in enumerate(self.logs.logs(), start=1):
            raw = sanitize_raw_log(self.redactor, raw)  # its path and ids are input too
            log = stream_log(self.redactor, raw, terms=terms)
            found = extract_signals(log, revision, provenance=raw.provenance)
            for suspect in log.suspects:
                self.quarantined += 1
                finding = suspect.finding
                self.store.audit(
                    run_id,
                    "injection-suspected",
                    {
                        "origin": log.origin,
                        "line": suspect.line,
                        "rule": finding.rule,
                        "score": finding.score,
                        "text": suspect.text,
                    },
                )
            if found and self.llm is not None:
                kept_evidence.append(log.excerpt())  # only logs with failures are context for the model
            for signal in found:
                if signal.fingerprint not in seen:
                    seen.add(signal.fingerprint)
                    signals.append(signal)
            yield Progress("logs", count)
        suspected = f", {self.quarantined} suspected injections held as data" if self.quarantined else ""
        yield StageFinished("logs", f"{len(signals)} failed HTTP calls{suspected}")
        return signals

    def _llm(
        self,
        intents: Sequence[Intent],
        evidence: Sequence[Evidence],
        spec: SanitizedSpec,
        changes: Sequence[Change],
        job: Job,
        run_id: str,
        summary: dict[str, Any],
        dropped: list[Proposal],
    ) -> Generator[Event, None, list[Proposal]]:
        """Ask the model where rules cannot decide: regressions from logs and new contracts."""
        from agent.generate.llm import propose

        assert self.llm is not None
        asked = [i for i in intents if i.kind in (IntentKind.REGRESSION, IntentKind.CONTRACT)]
        if not asked:
            return []
        yield Progress("generate", 0, len(asked))
        result = propose(asked, evidence, spec, self.llm, budget=self.budget, changes=changes, seed=job.seed)
        for failure in result.failures:
            yield Notice("generate", failure)
        dropped.extend(p.model_copy(update={"status": "dropped"}) for p in result.dropped)
        self.store.audit(run_id, "llm", result.summary())
        summary.update(
            llm_proposals=len(result.proposals),
            llm_refused=len(result.dropped),
            llm_tokens=result.usage.total_tokens,
            llm_cost_usd=round(result.usage.cost_usd, 6),
        )
        return list(result.proposals)

    def _check(
        self,
        proposals: Sequence[Proposal],
        checker: BatchChecker,
        spec: SpecDocument,
        job: Job,
        notices: list[Finding],
        dropped: list[Proposal],
    ) -> Generator[Event, None, list[Proposal]]:
        """Keep the proposals that pass every check (``checker`` has them all, in this order)."""
        yield StageStarted("check", len(proposals))
        kept: list[Proposal] = []
        results = zip(proposals, checker.results(), strict=True)
        for count, (proposal, findings) in enumerate(results, start=1):
            if count % CHUNK == 0:
                yield Progress("check", count, len(proposals))
            checked = proposal.model_copy(update={"findings": [*proposal.findings, *findings]})
            if checked.ok:
                kept.append(checked)
            else:
                dropped.append(checked.model_copy(update={"status": "dropped"}))
                yield _dropped("check", checked, notices)
        self.collection = job.collection(kept, spec)
        findings = check_collection(self.collection)
        if not job.base_url and kept:
            findings.append(_NO_BASE_URL)
        for finding in findings:
            notices.append(finding)
            yield Notice("check", finding)
        yield StageFinished("check", f"{len(kept)} of {len(proposals)} passed the boundary")
        return kept

    def _verify(
        self,
        proposals: list[Proposal],
        spec: SpecDocument,
        job: Job,
        notices: list[Finding],
        dropped: list[Proposal],
    ) -> Generator[Event, None, list[Proposal]]:
        if self.runner is None or not proposals:
            return proposals
        yield StageStarted("verify", job.runs)
        result = self.runner.verify(job.collection(proposals, spec), spec, job.runs)
        if result.skipped_reason:
            notice = Finding(severity="warning", code="verify-skipped", message=result.skipped_reason)
            notices.append(notice)
            yield Notice("verify", notice)
            yield StageFinished("verify", "skipped")
            return proposals
        kept = []
        for proposal in proposals:
            if proposal.id in result.passed:
                kept.append(proposal)
                continue
            reasons = [
                f.model_copy(update={"severity": "error"})
                for f in result.findings.get(proposal.id)
                or [Finding(severity="error", code="verify-failed", message="did not pass every run")]
            ]
            failed = proposal.model_copy(
                update={"findings": [*proposal.findings, *reasons], "status": "dropped"}
            )
            dropped.append(failed)
            yield _dropped("verify", failed, notices)
        yield StageFinished("verify", f"{len(kept)} of {len(proposals)} held in {job.runs} runs")
        return kept

    def _change_set(
        self,
        job: Job,
        changes: Sequence[Change],
        signals: Sequence[LogSignal],
        kept: Sequence[Proposal],
        dropped: Sequence[Proposal],
        summary: RunSummary,
    ) -> ChangeSet:
        from agent.publish.prbody import PrBodyData, render_pr_body

        key = fingerprint(sorted(c.fingerprint for c in changes), sorted(s.fingerprint for s in signals))
        title = f"postwright: {len(kept)} tests for {len(changes)} API changes and {len(signals)} failures"
        body = render_pr_body(
            PrBodyData.build(
                title=title,
                change_set_key=key,
                changes=changes,
                proposals=[*kept, *dropped],
                redactions=self.redactor.report,
                summary=summary,
            )
        )
        assert self.collection is not None
        return ChangeSet(key=key, title=title, collection=self.collection, body=body, proposals=kept)


def _dropped(stage: str, proposal: Proposal, notices: list[Finding]) -> Notice:
    first = next(f for f in proposal.findings if f.severity == "error")
    notice = Finding(
        severity="warning", code="dropped", message=f"{proposal.id}: {first.code}: {first.message}"
    )
    notices.append(notice)
    return Notice(stage, notice)
