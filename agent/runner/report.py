"""Newman JSON reports → per-item outcomes across runs, and the VerifyResult the pipeline wants."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal

from agent.check.examples import CODE as SPEC_EXAMPLE
from agent.check.examples import item_bad_example
from agent.check.spec_context import context_for
from agent.generate.discovery import SETUP_PREFIX
from agent.generate.postman import leaves
from agent.models import Finding, Response, SpecDocument
from agent.ports import VerifyResult

# spec-example: failed only on the body of a response the mock served from a spec example that
# breaks the spec's own schema (check/examples): the spec's failure, not the test's
ItemStatus = Literal["passed", "failed", "flaky", "unfinished", "skipped", "spec-example"]
MAX_MESSAGE = 200
MAX_REASONS = 5
EXPIRY_HINT = "token expired mid-run: HTTP 401 after earlier requests in this run were accepted"
MAX_EXCERPT = 300  # characters of a failing response's body kept, after redaction
# Bytes of a body read before redaction; a secret cut at this edge lies far past MAX_EXCERPT.
READ_BYTES = 4096


def leaf_items(collection: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(id, name) of every test item, folders walked depth-first (no id, or a setup request: left out)."""
    stack = list(reversed(collection.get("item") or []))
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("item"), list):
            stack.extend(reversed(node["item"]))
        elif isinstance(node.get("id"), str) and not node["id"].startswith(SETUP_PREFIX):
            yield node["id"], str(node.get("name", node["id"]))  # setup requests are no tests


def _short(text: str, limit: int = MAX_MESSAGE) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class ItemOutcome:
    """One item across all runs: how often it passed, why it failed, how long its request took."""

    id: str
    name: str
    runs_passed: int = 0
    runs_failed: int = 0
    reasons: list[str] = field(default_factory=list)
    request_seconds: list[float] = field(default_factory=list)
    runs_unfinished: int = 0  # runs whose batch timed out or crashed before reporting this item
    response: Response | None = None  # what the server answered in the last failed run (redacted)
    runs_skipped: int = 0  # runs where it was not sent, on purpose (its reasons say why)
    spec_example: str | None = None  # why its failures are the spec's example's (see ItemStatus)

    @property
    def status(self) -> ItemStatus:
        """Failed or flaky on a failed assertion; unfinished (not failed) when a run never finished."""
        if self.runs_failed:
            if self.runs_passed > 0:
                return "flaky"
            return "spec-example" if self.spec_example else "failed"
        if self.runs_unfinished:
            return "unfinished"
        if self.runs_skipped:
            return "skipped"
        return "passed" if self.runs_passed > 0 else "failed"

    def fail(self, reason: str) -> None:
        """Count a failed run and keep a few distinct reasons."""
        self.runs_failed += 1
        self._reason(reason)

    def unfinish(self, reason: str) -> None:
        """Count a run that did not finish for this item: no verdict, and not a failure."""
        self.runs_unfinished += 1
        self._reason(reason)

    def skip(self, reason: str) -> None:
        """Count a run where the item was not sent on purpose: neither passed nor failed."""
        self.runs_skipped += 1
        self._reason(reason)

    def _reason(self, reason: str) -> None:
        if reason not in self.reasons and len(self.reasons) < MAX_REASONS:
            self.reasons.append(reason)


@dataclass
class RunRecord:
    """One newman process: wall time (process) and run time (newman's own timings)."""

    index: int
    wall_seconds: float
    run_seconds: float | None = None
    exit_code: int | None = None
    timed_out: bool = False
    error: str | None = None
    batch: int = 1  # which batch of the collection this newman process ran
    items: int = 0  # how many items that batch held


@dataclass
class VerifyReport:
    """Everything a verify produced; ``result()`` narrows it to the pipeline's VerifyResult."""

    items: dict[str, ItemOutcome]
    runs: list[RunRecord] = field(default_factory=list)
    isolation: str = "none"
    mock_seconds: float | None = None
    relay_connections: int | None = None  # connections the relay carried to the target
    notices: list[Finding] = field(default_factory=list)
    real_target: bool = False  # run against a real server (not a mock of the spec)

    def result(self) -> VerifyResult:
        passed = frozenset(i for i, o in self.items.items() if o.status == "passed")
        findings: dict[str, list[Finding]] = {}
        responses: dict[str, Response] = {}
        for item_id, outcome in self.items.items():
            if outcome.status == "passed":
                continue
            if outcome.response is not None:
                responses[item_id] = outcome.response
            total = outcome.runs_passed + outcome.runs_failed + outcome.runs_unfinished
            if outcome.status == "skipped":
                findings[item_id] = [
                    Finding(severity="warning", code="sandbox-skipped", message=r, location=item_id)
                    for r in outcome.reasons
                ]
                continue
            if outcome.status == "unfinished":
                head = (
                    f"unfinished in the sandbox: {outcome.runs_unfinished} of {total} runs timed out or "
                    "crashed before it ran (not a failure: no verdict)"
                )
            elif outcome.spec_example:
                findings[item_id] = [
                    Finding(
                        severity="error", code=SPEC_EXAMPLE, message=outcome.spec_example, location=item_id
                    )
                ]
                continue
            else:
                head = f"{outcome.status} in the sandbox: failed {outcome.runs_failed} of {total} runs"
            findings[item_id] = [
                Finding(severity="error", code=f"sandbox-{outcome.status}", message=head, location=item_id),
                *(
                    Finding(severity="error", code="sandbox-failure", message=r, location=item_id)
                    for r in outcome.reasons
                ),
            ]
        return VerifyResult(
            passed=passed, findings=findings, responses=responses, real_target=self.real_target
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no environment values: only names, counts, messages, timings)."""
        return {
            "isolation": self.isolation,
            "mock_seconds": self.mock_seconds,
            "relay_connections": self.relay_connections,
            "runs": [vars(r) for r in self.runs],
            "items": [
                {
                    "id": o.id,
                    "name": o.name,
                    "status": o.status,
                    "runs_passed": o.runs_passed,
                    "runs_failed": o.runs_failed,
                    "runs_unfinished": o.runs_unfinished,
                    "runs_skipped": o.runs_skipped,
                    "reasons": o.reasons,
                    "request_seconds": o.request_seconds,
                    "response": o.response.model_dump() if o.response else None,
                    **({"spec_example": o.spec_example} if o.spec_example else {}),
                }
                for o in self.items.values()
            ],
            "notices": [n.model_dump() for n in self.notices],
        }


def apply_run(
    report: dict[str, Any],
    items: dict[str, ItemOutcome],
    mask: Callable[[str], str],
    *,
    hints: dict[str, str] | None = None,
    redact: Callable[[str], str] | None = None,
    guards: dict[str, list[str]] | None = None,
) -> float | None:
    """Fold one newman JSON report into ``items``; return newman's run time in seconds.

    ``hints`` (item id → text) lead an item's failure reason, e.g. a likely token expiry.
    A failing item keeps the status and a short body excerpt of its response, passed through
    ``redact`` and ``mask`` before it is kept (no excerpt without ``redact``). ``guards`` (item
    id → variables) name the items that skip themselves when those values were not found.
    """
    hints = hints or {}
    answers: dict[str, dict[str, Any]] = {}
    run = report.get("run") or {}
    problems: dict[str, list[str]] = {}
    seen: dict[str, int] = {}  # assertions executed per item
    # The json reporter lists an execution again (and overwrites its response and requestError)
    # when a script calls pm.sendRequest: keep one per execution id, and take request errors
    # from run.failures, where they carry the id of the request that failed.
    for execution in _executions(report):
        item_id = str((execution.get("item") or {}).get("id", ""))
        if item_id not in items:
            continue
        seen[item_id] = seen.get(item_id, 0) + len(execution.get("assertions") or [])
        response = execution.get("response") or {}
        answers[item_id] = response
        if isinstance(response.get("responseTime"), (int, float)):
            items[item_id].request_seconds.append(round(response["responseTime"] / 1000, 3))
    for failure in run.get("failures") or []:
        item_id = str((failure.get("source") or {}).get("id", ""))
        if item_id not in items:
            continue
        error = failure.get("error") or {}
        name = error.get("test") or error.get("name") or "error"
        where = failure.get("at", "")
        text = f"{name}: {error.get('message', '')}" + (f" ({where})" if where else "")
        problems.setdefault(item_id, []).append(text)
    for item_id, outcome in items.items():
        if item_id in problems:
            text = "; ".join(_short(mask(t)) for t in problems[item_id][:3])
            outcome.fail(f"{hints[item_id]} — {text}" if item_id in hints else text)
            answered = answers.get(item_id) or {}
            if isinstance(answered.get("code"), int):
                excerpt = body_excerpt(answered, redact, mask) if redact is not None else ""
                outcome.response = Response(status=answered["code"], excerpt=excerpt)
        elif item_id not in seen and (guards or {}).get(item_id):
            outcome.skip(skip_reason((guards or {})[item_id]))
        elif item_id not in seen:
            outcome.fail("did not run (newman reported no execution for it)")
        elif seen[item_id] == 0:
            outcome.fail("no pm.test assertion ran")
        else:
            outcome.runs_passed += 1
    timings = run.get("timings") or {}
    if isinstance(timings.get("started"), (int, float)) and isinstance(
        timings.get("completed"), (int, float)
    ):
        return round(float(timings["completed"] - timings["started"]) / 1000, 3)
    return None


def body_excerpt(
    response: dict[str, Any], redact: Callable[[str], str], mask: Callable[[str], str] = str
) -> str:
    """The start of a response body as one line (compact JSON when it parses), redacted, then cut.

    ``redact`` and ``mask`` see up to :data:`READ_BYTES` before the cut to :data:`MAX_EXCERPT`,
    so a secret is never kept in part.
    """
    stream = response.get("stream") or {}
    data = stream.get("data") if isinstance(stream, dict) else None
    if not isinstance(data, list) or not data:
        return ""
    try:
        raw = bytes(data[:READ_BYTES]).decode("utf-8", "replace")
    except (TypeError, ValueError):
        return ""
    if len(data) <= READ_BYTES:
        with suppress(ValueError):  # not JSON: kept as text
            raw = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":"))
    # no control, bidi or other unprintable characters reach a terminal or a PR body
    printable = "".join(c if c.isprintable() else " " for c in raw)
    return _short(mask(redact(printable)), MAX_EXCERPT)


def skip_reason(names: list[str]) -> str:
    """Why a test whose path values were not found at run time was skipped."""
    listed = ", ".join(names)
    return (
        f"skipped: no value for {listed} was found at run time (no setup request found one); "
        "give it in [variables] or with --environment"
    )


def _executions(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's executions in order, one per execution id (see apply_run)."""
    unique: dict[str, dict[str, Any]] = {}
    for execution in (report.get("run") or {}).get("executions") or []:
        unique[str(execution.get("id", len(unique)))] = execution
    return list(unique.values())


def expiry_hints(report: dict[str, Any]) -> dict[str, str]:
    """Items answered 401 after an earlier request of the same run got a 2xx: a token expiring mid-run."""
    hints: dict[str, str] = {}
    accepted = False
    for execution in _executions(report):
        code = (execution.get("response") or {}).get("code")
        item_id = str((execution.get("item") or {}).get("id", ""))
        if code == 401 and accepted and item_id:
            hints[item_id] = EXPIRY_HINT
        elif isinstance(code, int) and 200 <= code < 300:
            accepted = True
    return hints


def expiry_notice(index: int, count: int) -> Finding:
    """The run-level notice for requests refused after the token was accepted earlier in the run."""
    return Finding(
        severity="error",
        code="sandbox-token-expired",
        message=(
            f"run {index}: the target answered 401 to {count} request(s) after accepting earlier ones:"
            " the access token probably expired mid-run (tokens are refreshed between runs, not within one)"
        ),
    )


def unreachable_notice(target: str, failures: list[str]) -> Finding:
    """The notice for connections the relay could not carry to the target."""
    kinds = ", ".join(sorted(set(failures)))
    return Finding(
        severity="error",
        code="sandbox-target-unreachable",
        message=f"the relay could not connect to {target} {len(failures)} time(s) ({kinds})",
    )


def unfinish_all(items: dict[str, ItemOutcome], reason: str) -> None:
    """A batch produced no report (timeout, crash): its items have no verdict for that run."""
    for outcome in items.values():
        outcome.unfinish(reason)


# Assertions about a response's body (scripts.py names them), and the others: a failure of any
# other (status, content type, header) is the test's, whatever the example. A reason is cut at
# MAX_MESSAGE, so it is judged by the names it starts with and holds, not by counting them.
_BODY_TEST = re.compile(
    r"(?:body is JSON|body matches the response schema|required fields present at [^:;]*"
    r"|[^:;]* is one of the declared values|[^:;]* is no longer returned): "
)
_OTHER_TEST = re.compile(r"(?:^|; )(?:status is |route exists|content type is |header \S+ is present)")


def _body_only(reason: str) -> bool:
    return _BODY_TEST.match(reason) is not None and _OTHER_TEST.search(reason) is None


def blame_spec_examples(report: VerifyReport, collection: dict[str, Any], spec: SpecDocument) -> None:
    """Mark the failed items whose every failed assertion is about a body the mock served from a
    spec example that fails its own schema (``spec-example``, the operation and the pointer)."""
    ctx = None
    for _, item in leaves(collection.get("item") or []):
        outcome = report.items.get(str(item.get("id")))
        if outcome is None or outcome.status != "failed" or not outcome.reasons:
            continue
        if not all(_body_only(r) for r in outcome.reasons):
            continue
        ctx = ctx or context_for(spec)
        bad = item_bad_example(ctx, item)
        if bad is not None:
            outcome.spec_example = bad.message()
