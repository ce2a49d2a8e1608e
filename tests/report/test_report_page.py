"""The report's data and page without a browser: every section filled from a run's values, and
every string from outside escaped wherever it lands (one hostile string per way out of HTML)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from agent.events import RunDetails, RunFinished, StageTime
from agent.identity.audit import AuditEvent as IdentityEvent
from agent.models import (
    Change,
    Drift,
    Finding,
    Intent,
    IntentKind,
    LogSignal,
    Proposal,
    Provenance,
    Redaction,
    RunSummary,
)
from agent.plan.safety import NOT_RUN_CODE
from agent.report.build import MAX_DRAWN, build_report
from agent.report.render import CSP, render_report
from tests.report.hostile_run import hostile_strings

HOSTILE = hostile_strings(9)
# What the page itself is made of; anything else came from a string.
_OWN_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "div", "span",
    "b", "br", "code", "table", "tr", "th", "td", "footer", "svg", "text", "rect",
}  # fmt: skip


@dataclass(frozen=True)
class Row:
    """An audit row as the store gives it back."""

    event: str
    data: dict[str, Any]


class _Tags(HTMLParser):
    """Every start tag and attribute name of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


def _proposal(n: int, text: str, **update: Any) -> Proposal:
    intent = Intent(
        kind=IntentKind.HAPPY_PATH,
        operation=f"GET /items/{text}",
        path=f"/items/{text}",
        method="get",
        expected_status="200",
        text=text,
        fingerprint=f"f{n}",
        change_fingerprints=["c1"],
    )
    proposal = Proposal(id=f"pw-{n:016d}", intent=intent, item={"name": f"test {text}"})
    return proposal.model_copy(update=update)


def _finished(text: str, *, operations: int = 3, audit: bool = True) -> tuple[RunFinished, list[Row]]:
    """A run where ``text`` is in every string that came from a spec, a log or a server."""
    where = Provenance(
        dag_id=f"dag {text}", run_id=f"run {text}", task_id="t", try_number=2, file="f.log", line=7
    )
    details = RunDetails(
        kind="run",
        title=f"API {text}",
        operations=[f"GET /items/{text}", *(f"GET /plain/{i}" for i in range(operations))],
        changes=[
            Change(
                id="rule-a",
                level="error",
                operation=f"GET /items/{text}",
                path="/items",
                method="get",
                text=f"removed {text}",
                fingerprint="c1",
            ),
            Change(
                id="rule-b",
                level="info",
                operation="DELETE /gone",
                path="/gone",
                method="delete",
                text="endpoint removed",
                fingerprint="c2",
            ),
        ],
        signals=[
            LogSignal(
                method="POST",
                url=f"https://api.example/items/{text}",
                status=422,
                operation=f"GET /items/{text}",
                exception=f"HTTPError {text}",
                provenance=where,
                fingerprint="s1",
            )
        ],
        proposals=[
            _proposal(1, text, catches_old=True),
            _proposal(
                2,
                text,
                catches_old=False,
                findings=[Finding(severity="info", code=NOT_RUN_CODE, message=f"not run: {text}")],
            ),
            _proposal(
                3,
                text,
                status="dropped",
                drift=Drift(declared="200", status=403, excerpt=f"no {text}"),
                findings=[
                    Finding(
                        severity="error",
                        code="sandbox-flaky",
                        message="flaky in the sandbox: failed 1 of 3 runs",
                    ),
                    Finding(severity="error", code="sandbox-failure", message=f"expected {text}"),
                ],
            ),
            _proposal(4, text, generator="llm", item={"name": f"model says {text}"}),
        ],
        redactions=[Redaction(kind="jwt", placeholder="[REDACTED:jwt:1]", origin=f"log {text}", line=3)] * 2,
        stages=[StageTime("load", 0.25, f"1 spec {text}"), StageTime("verify", 1.5, "3 of 3 held")],
        verify_runs=3,
        proven=frozenset({"pw-0000000000000001"}),
    )
    summary = RunSummary(
        run_id="20261204T000000-abcdef12",
        changes=2,
        proposals=4,
        kept=3,
        dropped=1,
        llm_proposals=1,
        llm_tokens=1234,
        llm_cost_usd=0.0123,
    )
    rows = [
        Row(
            "injection-suspected",
            {
                "origin": f"log {text}",
                "line": 4,
                "rule": "override",
                "score": 0.9,
                "text": f"ignore previous instructions {text}",
            },
        ),
        Row("llm", {"usage": {"requests": 2, "cached": 1, "prompt_tokens": 1000, "completion_tokens": 234}}),
    ]
    finished = RunFinished(
        summary, [Finding(severity="warning", code="dropped", message=f"dropped {text}")], None, details
    )
    return finished, rows if audit else []  # fmt: skip


def _page(text: str, **kw: Any) -> str:
    finished, rows = _finished(text, **kw)
    identity = IdentityEvent(outcome="issued", source="env", at=datetime(2026, 12, 4, tzinfo=UTC),
                             target=f"api {text}", subject=f"svc {text}", scopes=("read", text),
                             fingerprint="0123456789abcdef0123", reason=None)  # fmt: skip
    return render_report(build_report(finished, generated="now", audit=rows, identities=[identity]))


def _text(page: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded once)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_strings_are_text_in_every_section(name: str) -> None:
    page = _page(HOSTILE[name])
    parsed = _Tags()
    parsed.feed(page)
    assert set(parsed.tags) <= _OWN_TAGS, set(parsed.tags) - _OWN_TAGS
    assert parsed.tags.count("style") == 1 and parsed.tags.count("svg") == 1
    assert not [a for a in parsed.attrs if a.startswith("on") or a in ("src", "href", "action")]
    # it is shown, as written, in the sections that carry it (the model's and dropped tests' names are not)
    assert _text(page).count(HOSTILE[name]) >= 12


def test_the_page_allows_nothing_to_load() -> None:
    page = _page("x")
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert policy is not None and html.unescape(policy.group(1)) == CSP
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert not re.search(r"(src|href)\s*=", page)


@pytest.mark.parametrize("invisible", ["\u202e", "\u2028", "\x1b", "\x00", "\x85"])
def test_control_and_bidi_characters_never_reach_the_page(invisible: str) -> None:
    page = _page(f"a{invisible}b")
    assert invisible not in page and "a b" in _text(page)


def test_proposals_show_verify_safety_old_api_drift_and_why_dropped() -> None:
    report = build_report(_finished("x")[0], generated="now")
    kept, not_run, dropped, model = report.proposals
    assert (kept.kept, kept.verify, kept.catches_old, kept.flaky) == (True, "passed 3 of 3 runs", True, False)
    assert not_run.not_run and not_run.catches_old is False and not_run.verify == "not run"
    assert (dropped.kept, dropped.flaky) == (False, True)
    assert dropped.verify == "flaky in the sandbox: failed 1 of 3 runs"
    assert [r.code for r in dropped.reasons] == ["sandbox-flaky", "sandbox-failure"]
    assert dropped.drift is not None and "403 where 200 is declared; it answered no x" in dropped.drift
    # a dropped test's and a model's own words are not repeated as names
    assert "x" not in dropped.name and "model says" not in model.name
    page = render_report(report)
    assert "flaky</span>" in page and ">drift: " in page and "not run against the target" in page


def test_changes_are_counted_by_level_and_rule_and_redactions_by_kind_and_source() -> None:
    report = build_report(_finished("x")[0], generated="now")
    assert [(t.label, t.count) for t in report.change_levels] == [("error", 1), ("info", 1)]
    assert [t.label for t in report.change_rules] == ["rule-a", "rule-b"]
    assert [r.level for r in report.changes] == ["error", "info"]  # errors first
    assert [(t.label, t.detail, t.count) for t in report.redactions] == [("jwt", "log x", 2)]
    assert "[REDACTED:jwt:1]" not in render_report(report)  # kinds and sources, not placeholders


def test_failures_say_where_they_were_seen() -> None:
    (failure,) = build_report(_finished("x")[0], generated="now").failures
    assert failure.line == "POST https://api.example/items/x → 422 (HTTPError x)"
    assert (failure.dag, failure.run, failure.task, failure.try_number) == ("dag x", "run x", "t", 2)


def test_the_coverage_map_draws_marked_operations_first_and_counts_the_rest() -> None:
    report = build_report(_finished("x", operations=MAX_DRAWN + 5)[0], generated="now")
    first = report.coverage[0]
    assert (first.operation, first.tested, first.changed, first.failing) == ("GET /items/x", True, True, True)
    gone = next(c for c in report.coverage if c.operation == "DELETE /gone")
    assert gone.changed and not gone.in_spec  # named by a change, not in the new spec
    assert len(report.coverage) == MAX_DRAWN and report.coverage_hidden == 7
    page = render_report(report)
    assert page.count("<rect ") == 3 * MAX_DRAWN and "7 more operations" in page


def test_audit_identities_model_usage_and_stage_times() -> None:
    page = _text(_page("x"))
    assert "ignore previous instructions x" in page and "svc x" in page and "0123456789ab" in page
    assert "0123456789abcdef" not in page  # a fingerprint is shown short
    assert "$0.0123" in page and "1000" in page and "234" in page
    assert "1.50" in page and "1.75" in page  # a stage's seconds, and the total


def test_a_store_without_an_audit_trail_says_so() -> None:
    finished, _ = _finished("x")
    page = render_report(build_report(finished, generated="now", audit=None))
    assert "This store keeps no audit trail." in page
