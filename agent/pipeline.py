"""Wires the stages through the ports and yields progress events; no I/O of its own.

sources → boundary (inbound) → diff / log signals → plan → generate → boundary (outbound)
→ verify → publish, with every step recorded in the store. A ``Pipeline`` holds adapters
only; a run's state (its id, redactor, counts) lives in :meth:`Pipeline.run`, and the
stages return what they make.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from agent.boundary.inbound.provenance import sanitize_raw_log, sanitize_record
from agent.boundary.inbound.redact import Redactor
from agent.boundary.inbound.sanitize import sanitize_spec, stream_log
from agent.boundary.sealed import Evidence, SanitizedSpec
from agent.check import check_collection
from agent.check.batch import CHUNK, BatchChecker
from agent.diff import diff_capped
from agent.errors import StorageError, UsageError
from agent.events import (
    Event,
    Notice,
    Progress,
    RunDetails,
    RunFinished,
    StageFinished,
    StageStarted,
    StageTime,
)
from agent.generate import deterministic, postman
from agent.generate.llm_context import log_terms
from agent.identity.token import IdentityLost
from agent.limits import DEFAULT_LIMITS, Limits
from agent.llm.types import Budget
from agent.models import (
    Change,
    Drift,
    Finding,
    Intent,
    IntentKind,
    LogSignal,
    Proposal,
    PublishResult,
    Response,
    RunSummary,
    SpecDocument,
    fingerprint,
)
from agent.plan import plan
from agent.plan.safety import NOT_RUN, NOT_RUN_CODE
from agent.ports import (
    ChangeSet,
    LLMBackend,
    LogSource,
    MarkedLogSource,
    Publisher,
    Runner,
    RunRecord,
    SpecSource,
    Store,
)
from agent.sources.signals import extract_signals
from agent.specs.document import cut_notice, operations
from agent.specs.metaschema import describe
from agent.urls import has_credentials, mask_url, split_url

_NO_BASE_URL = Finding(
    severity="info",
    code="base-url-unset",
    message="{{baseUrl}} is empty in the collection: set base_url (or --base-url) or give it when you run"
    " newman; a spec's servers are never used as the target",
)


_REJECTED = Finding(
    severity="info",
    code="previously-rejected",
    message="%d tests rejected earlier are not proposed again (postwright review --list shows why)",
)


def _without_ignored(changes: list[Change], rules: frozenset[str], notes: list[Finding]) -> list[Change]:
    """``changes`` but those of ``rules`` (Job.ignore_rules), with a notice of how many were left out."""
    kept = [c for c in changes if c.id not in rules]
    if len(kept) < len(changes):
        said = f"{len(changes) - len(kept)} changes ignored ({', '.join(sorted(rules))})"
        notes.append(Finding(severity="info", code="changes-ignored", message=said))
    return kept


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
    variables: dict[str, str] = field(default_factory=dict)  # [variables]: path and query values
    ignore_rules: frozenset[str] = frozenset()  # diff rule ids whose changes get no tests (PR bot's ignore)

    def __post_init__(self) -> None:
        # {{baseUrl}} is written into the collection, which is committed: never with credentials.
        if self.base_url and has_credentials(self.base_url):
            raise UsageError(
                f"base URL {mask_url(self.base_url)} carries credentials, and the collection is committed",
                hint="give a token through [sandbox] token_env or the collection's accessToken variable",
            )
        problem = split_url(self.base_url).problem if self.base_url else None
        if problem is not None:  # --base-url skips the settings' URL check
            raise UsageError(f"base URL {mask_url(str(self.base_url))} is not a valid URL: {problem}")

    def collection(self, proposals: Sequence[Proposal], spec: SpecDocument) -> dict[str, Any]:
        """The Postman collection of ``proposals``, as this job wants it rendered."""
        title = (spec.document.get("info") or {}).get("title") or "API"
        return postman.build_collection(
            self.name or str(title),
            proposals,
            base_url=self.base_url or "",  # the user's; a spec's servers are data, never a target
            folders=self.folders,
            tags=postman.operation_tags(spec.document),
            document=spec.document,  # finds real values for path variables (the pw-setup folder)
            given=self.variables,
        )


class _PendingMarks:
    """How far this run read its logs, for this API: read through to the store, held until the
    results are stored.

    A log's failed calls become tests only of the API whose spec names them, so APIs sharing a
    store keep a watermark each (the source's key, then ``|`` and the API): one API's run must
    not mark the night read for the next. A store from before has the source's key alone; it
    is read when this API has none yet.
    """

    def __init__(self, store: Store, api: str | None) -> None:
        self.store = store
        self.api = api
        self.marks: dict[str, str] = {}

    def _scoped(self, key: str) -> str:
        return key if self.api is None else f"{key}|{self.api}"

    def get_watermark(self, key: str) -> str | None:
        scoped = self._scoped(key)
        if scoped in self.marks:
            return self.marks[scoped]
        found = self.store.get_watermark(scoped)
        return self.store.get_watermark(key) if found is None and scoped != key else found

    def set_watermark(self, key: str, value: str) -> None:
        self.marks[self._scoped(key)] = value


@dataclass(frozen=True)
class LogsRead:
    """What the logs stage found: failed calls, the model's excerpts, suspects, watermarks earned."""

    signals: list[LogSignal]
    evidence: list[Evidence]
    quarantined: int
    marks: dict[str, str]


@dataclass
class _Run:
    """One run's own state: its id, a redactor with a fresh key, and its summary so far."""

    id: str
    redactor: Redactor
    summary: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)  # RunDetails' fields, for the run report


@dataclass(frozen=True)
class Pipeline:
    """The stages, bound to the adapters chosen for them; each :meth:`run` keeps its own state.

    One pipeline may run many jobs, one after another or at once from several threads.
    Use it with ``with`` so the store is closed at the end.
    """

    specs: SpecSource
    store: Store
    logs: LogSource | None = None
    runner: Runner | None = None
    base_runner: Runner | None = None  # the old API (a base target, or a mock of the base spec)
    publisher: Publisher | None = None
    llm: LLMBackend | None = None
    budget: Budget | None = None  # limits per run (usage is counted per run)
    workers: int = 1  # processes for the check stage (large batches only)
    limits: Limits = DEFAULT_LIMITS  # bounds on what one (hostile) input can cost

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.store.close()

    def run(self, job: Job) -> Iterator[Event]:
        """Run every stage, yielding events; the last is :class:`RunFinished` with the collection.

        Runs a kill left ``running`` are marked interrupted first; what runs that were
        interrupted or failed stored but did not publish is carried into this run.
        """
        interrupted = self.store.recover()
        redactor = Redactor()  # a fresh key per run: placeholders never link two runs
        # the sandbox runs are stored with the run: review's "held N/N" is what verify ran, not today's config
        config = {**job.config, "runs": job.runs}
        run_id = self.store.start_run(job.kind, sanitize_record(redactor, config))
        run = _Run(run_id, redactor, {"run_id": run_id})
        notices: list[Finding] = []
        collection: dict[str, Any] | None = None
        status = "failed"
        stages = self._stages(job, run, interrupted)
        begun: dict[str, float] = {}
        timed: list[StageTime] = []  # time per stage, for the run report
        try:
            while True:
                try:
                    event = next(stages)
                except StopIteration as done:
                    collection = done.value
                    break
                if isinstance(event, Notice):
                    notices.append(event.finding)
                elif isinstance(event, StageStarted):
                    self.store.set_stage(run_id, event.stage)
                    begun[event.stage] = time.monotonic()
                elif isinstance(event, StageFinished) and event.stage in begun:
                    spent = time.monotonic() - begun.pop(event.stage)
                    timed.append(StageTime(event.stage, round(spent, 3), event.summary))
                yield event
            status = "ok"
        except (KeyboardInterrupt, GeneratorExit):
            status = "interrupted"
            raise
        finally:
            stages.close()  # a stage that failed leaves no worker behind
            self._finish(run, status)
        details = RunDetails(kind=job.kind, redactions=list(run.redactor.report), stages=timed, **run.details)
        yield RunFinished(RunSummary(**run.summary), notices, collection, details)

    def _finish(self, run: _Run, status: str) -> None:
        """Record how the run ended (which also gives up its lease)."""
        try:
            self.store.finish_run(run.id, status, {k: v for k, v in run.summary.items() if k != "publish"})
        except StorageError:
            if status == "ok":
                raise  # else the error that stopped the run is the one to report

    def _stages(
        self, job: Job, run: _Run, interrupted: Sequence[RunRecord]
    ) -> Generator[Event, None, dict[str, Any]]:
        """The stages in order; returns the collection (``run.summary`` fills as they go)."""
        summary = run.summary
        for stale in interrupted:
            yield Notice("start", _interrupted(stale))
        # What runs that died or failed stored and did not publish: their logs are not read again.
        carried = self.store.unpublished()

        yield StageStarted("load")
        loaded = [self.specs.load(ref) for ref in (job.revision, job.base) if ref]
        for spec in loaded:  # specs that fail validation are used anyway (unless strict), with a warning
            if spec.problems:
                message = describe(spec.ref, spec.version, spec.problems)
                yield Notice("load", Finding(severity="warning", code="spec-invalid", message=message))
        revision = sanitize_spec(run.redactor, loaded[0])
        base = sanitize_spec(run.redactor, loaded[1]) if job.base else None
        run.details.update(
            title=str((revision.document.get("info") or {}).get("title") or ""),
            operations=[op.key for op in operations(revision.document)],
        )
        yield StageFinished("load", f"{'2 specs' if base else '1 spec'} loaded")

        api = job.config.get("api")
        logs = yield from self._signals(revision, run.id, run.redactor, api if isinstance(api, str) else None)
        signals = logs.signals
        summary.update(signals=len(signals), quarantined=logs.quarantined)

        yield StageStarted("diff")
        limited: list[Finding] = []
        # only the first limits.max_changes changes are built; the rest are counted (a notice)
        changes, total = diff_capped(base, revision, self.limits, limited) if base else ([], 0)
        changes = _without_ignored(changes, job.ignore_rules, limited)
        summary["changes"] = total
        run.details.update(changes=changes, signals=signals)
        for change in changes:
            self.store.remember(change.fingerprint, "change", run.id)
        for note in limited:
            yield Notice("diff", note)
        yield StageFinished("diff", f"{total} changes")

        yield StageStarted("plan")
        limited = []
        intents = plan(changes, signals, revision, full_spec=base is None, limits=self.limits, notes=limited)
        for note in limited:
            yield Notice("plan", note)
        summary["intents"] = len(intents)
        yield StageFinished("plan", f"{len(intents)} test intents")

        yield StageStarted("generate", len(intents))
        # Proposals are checked in worker processes while the next ones are generated.
        with closing(BatchChecker(revision, run.redactor, workers=self.workers)) as checker:
            proposals: list[Proposal] = []
            for start in range(0, len(intents), CHUNK):
                chunk = deterministic.generate(intents[start : start + CHUNK], revision, seed=job.seed)
                checker.submit(chunk)
                proposals += chunk
                yield Progress("generate", len(proposals), len(intents))
            refused: list[Proposal] = []
            by_model = ""
            if self.llm is not None:
                extra, refused, usage = yield from self._llm(
                    intents, logs.evidence, revision, changes, job, run.id
                )
                summary.update(usage)
                checker.submit(extra)
                proposals += extra
                by_model = f", {len(extra)} from the model ({summary['llm_refused']} refused by the guard)"
            known = {p.id for p in proposals}
            carried = [p for p in carried if p.id not in known]  # this run made them again
            checker.submit(carried)
            proposals += carried
            summary["proposals"] = len(proposals)
            if cut := cut_notice(revision.document):  # once per run: what the inlining cap left out
                yield Notice("generate", cut)
            carried_note = f", {len(carried)} carried from runs that did not finish" if carried else ""
            yield StageFinished("generate", f"{len(proposals)} proposals{by_model}{carried_note}")
            checked, failed_check, collection = yield from self._check(proposals, checker, revision, job)
        # A test a person (review, a closed PR) rejected is never proposed again (a new intent: a new id).
        rejected = self.store.with_status("rejected", [p.id for p in checked])
        if rejected:
            checked = [p for p in checked if p.id not in rejected]
            collection = job.collection(checked, revision)
            yield Notice("check", _REJECTED.model_copy(update={"message": _REJECTED.message % len(rejected)}))

        try:
            kept, failed_verify, proven = yield from self._verify(checked, revision, job, run.redactor)
        except IdentityLost:
            # the target's identity failed mid-verify: what was made is kept, pending, for the next
            # run to carry on (store.unpublished); this run fails with the source's one-line error
            self.store.store_results(run.id, [*checked, *failed_check], run.redactor.report, logs.marks)
            yield Notice("verify", _identity_lost(len(checked)))
            raise
        kept = yield from self._against_old(kept, proven, base, revision, job)
        dropped = [*refused, *failed_check, *failed_verify]
        summary.update(kept=len(kept), dropped=len(dropped), redactions=len(run.redactor.report))
        summary["drift"] = sum(p.drift is not None for p in failed_verify)
        verified = bool(proven or failed_verify)
        run.details.update(
            proposals=[*kept, *dropped], proven=proven, verify_runs=job.runs if verified else None
        )
        if any(p.catches_old is not None for p in kept):
            summary["catches_old"] = sum(p.catches_old is True for p in kept)
        # One transaction: the proposals, the redactions and the watermarks of the logs they came from.
        self.store.store_results(run.id, [*kept, *dropped], run.redactor.report, logs.marks)

        if kept is not checked:  # verification dropped some: render again
            collection = job.collection(kept, revision)
        if self.publisher is not None and kept:
            change_set = self._change_set(
                job, changes, signals, kept, dropped, RunSummary(**summary), run.redactor, collection
            )
            summary["publish"] = yield from self._publish(self.publisher, change_set)
        return collection

    def _publish(self, publisher: Publisher, change_set: ChangeSet) -> Generator[Event, None, PublishResult]:
        """Publish, then record what is out for review and what reviewers decided on the host."""
        yield StageStarted("publish")
        result = publisher.publish(change_set)
        proposed = None if result.proposed is None else set(result.proposed)  # None: all of them
        for proposal in change_set.proposals:
            if proposed is None or proposal.id in proposed:
                self.store.set_status(proposal.id, "published", actor="postwright", reason=result.branch)
        _reviewed(self.store, result)
        done = "" if result.created else " (already up to date)"
        done = f" (stopped: {result.stopped})" if result.stopped else done
        yield StageFinished("publish", f"branch {result.branch}{done}")
        return result

    def _signals(
        self, revision: SpecDocument, run_id: str, redactor: Redactor, api: str | None = None
    ) -> Generator[Event, None, LogsRead]:
        """Read every log once, as a stream: signals, injection audit and (bounded) LLM excerpts."""
        marks = _PendingMarks(self.store, api)
        if self.logs is None:
            return LogsRead([], [], 0, {})
        yield StageStarted("logs")
        signals: list[LogSignal] = []
        evidence: list[Evidence] = []
        quarantined = 0
        seen: set[str] = set()
        # Only what the model's context can use is kept of a log: the lines around mentions
        # of the spec's paths (capped), never the whole log.
        terms = log_terms(revision.document) if self.llm is not None else frozenset()
        # A source with watermarks records them in `marks`; they are stored with the results.
        raws = self.logs.logs_since(marks) if isinstance(self.logs, MarkedLogSource) else self.logs.logs()
        for count, raw in enumerate(raws, start=1):
            raw = sanitize_raw_log(redactor, raw)  # its path and ids are input too
            log = stream_log(redactor, raw, terms=terms)
            found = extract_signals(log, revision, provenance=raw.provenance)
            for suspect in log.suspects:
                quarantined += 1
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
                evidence.append(log.excerpt())  # only logs with failures are context for the model
            for signal in found:
                if signal.fingerprint not in seen:
                    seen.add(signal.fingerprint)
                    signals.append(signal)
            yield Progress("logs", count)
        suspected = f", {quarantined} suspected injections held as data" if quarantined else ""
        yield StageFinished("logs", f"{len(signals)} failed HTTP calls{suspected}")
        return LogsRead(signals, evidence, quarantined, marks.marks)

    def _llm(
        self,
        intents: Sequence[Intent],
        evidence: Sequence[Evidence],
        spec: SanitizedSpec,
        changes: Sequence[Change],
        job: Job,
        run_id: str,
    ) -> Generator[Event, None, tuple[list[Proposal], list[Proposal], dict[str, Any]]]:
        """Ask the model where rules cannot decide: regressions from logs and new contracts.

        Returns its proposals, the ones its guard refused, and the usage for the summary.
        """
        from agent.generate.llm import propose

        assert self.llm is not None
        asked = [i for i in intents if i.kind in (IntentKind.REGRESSION, IntentKind.CONTRACT)]
        if not asked:
            return [], [], {"llm_refused": 0}
        yield Progress("generate", 0, len(asked))
        result = propose(asked, evidence, spec, self.llm, budget=self.budget, changes=changes, seed=job.seed)
        for failure in result.failures:
            yield Notice("generate", failure)
        self.store.audit(run_id, "llm", result.summary())
        usage = {
            "llm_proposals": len(result.proposals),
            "llm_refused": len(result.dropped),
            "llm_tokens": result.usage.total_tokens,
            "llm_cost_usd": round(result.usage.cost_usd, 6),
        }
        refused = [p.model_copy(update={"status": "dropped"}) for p in result.dropped]
        return list(result.proposals), refused, usage

    def _check(
        self, proposals: Sequence[Proposal], checker: BatchChecker, spec: SpecDocument, job: Job
    ) -> Generator[Event, None, tuple[list[Proposal], list[Proposal], dict[str, Any]]]:
        """Kept and dropped proposals (``checker`` has them all, in this order) and the collection."""
        yield StageStarted("check", len(proposals))
        kept: list[Proposal] = []
        dropped: list[Proposal] = []
        results = zip(proposals, checker.results(), strict=True)
        for count, (proposal, findings) in enumerate(results, start=1):
            if count % CHUNK == 0:
                yield Progress("check", count, len(proposals))
            checked = proposal.model_copy(update={"findings": [*proposal.findings, *findings]})
            if checked.ok:
                kept.append(checked)
            else:
                dropped.append(checked.model_copy(update={"status": "dropped"}))
                yield _dropped("check", checked)
        collection = job.collection(kept, spec)
        findings = check_collection(collection)
        if not job.base_url and kept:
            findings.append(_NO_BASE_URL)
        for finding in findings:
            yield Notice("check", finding)
        yield StageFinished("check", f"{len(kept)} of {len(proposals)} passed the boundary")
        return kept, dropped, collection

    def _verify(
        self, proposals: list[Proposal], spec: SpecDocument, job: Job, redactor: Redactor
    ) -> Generator[Event, None, tuple[list[Proposal], list[Proposal], frozenset[str]]]:
        """The proposals kept, the ones dropped, and the ids that passed every sandbox run.

        Against a real target a test the spec says succeeds but the target refused in every run
        is dropped with a drift finding (the status and a redacted excerpt of its answer).
        """
        if self.runner is None or not proposals:
            return proposals, [], frozenset()
        yield StageStarted("verify", job.runs)
        result = self.runner.verify(job.collection(proposals, spec), spec, job.runs)
        if result.skipped_reason:
            yield from _skipped("verify", result.skipped_reason)
            return proposals, [], frozenset()
        kept, dropped = [], []
        for proposal in proposals:
            if proposal.id in result.passed:
                kept.append(proposal)
                continue
            unsafe = _not_run(result.findings.get(proposal.id) or [])
            if unsafe is not None:  # the target's [target] policy left it out: kept, marked
                kept.append(proposal.model_copy(update={"findings": [*proposal.findings, unsafe]}))
                continue
            reasons = [
                f.model_copy(update={"severity": "error"})
                for f in result.findings.get(proposal.id)
                or [Finding(severity="error", code="verify-failed", message="did not pass every run")]
            ]
            refused = result.real_target and any(f.code == "sandbox-failed" for f in reasons)  # every run
            drift = _drift(proposal, result.responses.get(proposal.id), redactor) if refused else None
            if drift is not None:
                reasons.insert(0, _drift_finding(proposal, drift, notice=False))
            failed = proposal.model_copy(
                update={"findings": [*proposal.findings, *reasons], "status": "dropped", "drift": drift}
            )
            dropped.append(failed)
            # a drift finding is its own notice (never a silent drop): the target's answer, redacted
            yield (
                _dropped("verify", failed)
                if drift is None
                else Notice("verify", _drift_finding(failed, drift))
            )
        unfinished = sum(any(f.code == "sandbox-unfinished" for f in p.findings) for p in dropped)
        # a batch that timed out or crashed gives no verdict: say so, never as tests that failed
        note = f"; {unfinished} unfinished (timed out or crashed, no verdict)" if unfinished else ""
        not_run = sum(any(f.code == NOT_RUN_CODE for f in p.findings) for p in kept)
        note += f"; {not_run} kept but not run against the target (safety class)" if not_run else ""
        held = len(kept) - not_run
        yield StageFinished("verify", f"{held} of {len(proposals)} held in {job.runs} runs{note}")
        return kept, dropped, result.passed

    def _against_old(
        self,
        kept: list[Proposal],
        proven: frozenset[str],
        base: SpecDocument | None,
        spec: SpecDocument,
        job: Job,
    ) -> Generator[Event, None, list[Proposal]]:
        """Run the change tests that passed on the new API on the old one: does each tell them apart?

        ``catches_old`` is True for a test that fails in every run there, False for one that
        passes there as well, None where the old API gave no verdict (unfinished, flaky, skipped)
        or the new one never ran it (its safety class, no sandbox).
        """
        derived = [p for p in kept if p.intent.change_fingerprints and p.id in proven]
        if self.base_runner is None or base is None or not derived:
            return kept
        yield StageStarted("old api", job.runs)
        result = self.base_runner.verify(job.collection(derived, spec), base, job.runs)
        if result.skipped_reason:
            yield from _skipped("old api", result.skipped_reason, code="old-api-skipped")
            return kept
        verdicts: dict[str, bool | None] = {}
        for proposal in derived:
            codes = {f.code for f in result.findings.get(proposal.id) or ()}
            verdicts[proposal.id] = (
                False if proposal.id in result.passed else True if "sandbox-failed" in codes else None
            )
        caught = sum(v is True for v in verdicts.values())
        yield StageFinished("old api", f"{caught} of {len(derived)} change tests fail on the old API")
        return [p.model_copy(update={"catches_old": verdicts[p.id]}) if p.id in verdicts else p for p in kept]

    def _change_set(
        self,
        job: Job,
        changes: Sequence[Change],
        signals: Sequence[LogSignal],
        kept: Sequence[Proposal],
        dropped: Sequence[Proposal],
        summary: RunSummary,
        redactor: Redactor,
        collection: dict[str, Any],
    ) -> ChangeSet:
        from agent.publish.prbody import PrBodyData, render_pr_body

        # A failure no operation of this spec matches makes no test (another API's, in a shared
        # DAG's logs), so it does not make a new change set either: no second branch, same tests.
        matched = sorted(s.fingerprint for s in signals if s.operation)
        key = fingerprint(sorted(c.fingerprint for c in changes), matched)
        title = f"postwright: {len(kept)} tests for {len(changes)} API changes and {len(signals)} failures"
        body = render_pr_body(
            PrBodyData.build(
                title=title,
                change_set_key=key,
                changes=changes,
                proposals=[*kept, *dropped],
                redactions=redactor.report,
                summary=summary,
            )
        )
        return ChangeSet(key=key, title=title, collection=collection, body=body, proposals=kept)


def _reviewed(store: Store, result: PublishResult) -> None:
    """What reviewers decided on the host: a closed request's tests rejected, a merged one's published."""
    for ids, status in ((result.rejected, "rejected"), (result.merged, "published")):
        for proposal_id in ids:
            try:
                store.set_status(proposal_id, status, actor="reviewers", reason=result.decision or status)
            except UsageError:
                continue  # a test another state database proposed: not this store's to record


def _not_run(findings: list[Finding]) -> Finding | None:
    """The note for a test the target's safety policy did not run (None: it ran, or was skipped
    for another reason)."""
    if findings and all(f.code == "sandbox-skipped" and f.message.startswith(NOT_RUN) for f in findings):
        return Finding(severity="info", code=NOT_RUN_CODE, message=findings[0].message)
    return None


def _interrupted(run: RunRecord) -> Finding:
    """The notice for a run a kill left half-done."""
    return Finding(
        severity="warning",
        code="run-interrupted",
        message=f"run {run.id} was interrupted during {run.stage or 'start'}; this run takes over"
        " (logs it had not stored results for are read again, proposals it stored are carried on)",
    )


def _drift(proposal: Proposal, answer: Response | None, redactor: Redactor) -> Drift | None:
    """A drift finding when a target refused what the spec declares a success; else None.

    The excerpt was redacted by the runner; it passes this run's redactor too before it is kept.
    """
    declared = proposal.intent.expected_status.upper()
    if answer is None or not declared.startswith("2") or not 400 <= answer.status <= 599:
        return None
    excerpt = redactor.redact(answer.excerpt, origin=f"verify response {proposal.id}")[0]
    return Drift(declared=declared, status=answer.status, excerpt=excerpt)


def _drift_finding(proposal: Proposal, drift: Drift, *, notice: bool = True) -> Finding:
    """The drift finding: the disagreement and what the target said.

    As a notice it names the test like a dropped one ("<id> <operation>: drift: …").
    """
    said = f"; it answered {drift.excerpt}" if drift.excerpt else ""
    if not notice:
        return Finding(severity="error", code="drift", message=f"{drift.message}{said}", location=proposal.id)
    message = f"{proposal.id} {proposal.intent.operation}: drift: {drift.message}{said}"
    return Finding(severity="warning", code="drift", message=message, location=proposal.id)


def _identity_lost(pending: int) -> Finding:
    """Says where a run's tests went when its identity failed during verify."""
    return Finding(
        severity="error",
        code="identity-lost",
        message=(
            f"the target's token source failed during verify: {pending} checked test(s) are stored"
            " unverified, and the next run carries them on"
        ),
    )


def _skipped(stage: str, reason: str, code: str = "verify-skipped") -> Iterator[Event]:
    """A stage the sandbox could not run: a warning saying why, and the stage marked skipped."""
    yield Notice(stage, Finding(severity="warning", code=code, message=reason))
    yield StageFinished(stage, "skipped")


def _dropped(stage: str, proposal: Proposal) -> Notice:
    errors = [f for f in proposal.findings if f.severity == "error"]
    first = errors[0]
    # newman's failing assertion, after verify's "failed N of M runs"
    assertion = next((f.message for f in errors if f.code == "sandbox-failure"), None)
    notice = Finding(
        severity="warning",
        code="dropped",
        # the operation and the failing check or assertion: a drop is never silent or anonymous
        message=f"{proposal.id} {proposal.intent.operation}: {first.code}: {first.message}"
        + (f"; {assertion}" if assertion else ""),
    )
    return Notice(stage, notice)
