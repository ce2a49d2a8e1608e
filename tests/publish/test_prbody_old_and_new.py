"""The PR body lists drift findings and, per test, whether it catches the old API."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from agent.models import Change, Drift, Finding, Intent, IntentKind, Proposal
from agent.publish import PrBodyData, render_pr_body

HOSTILE = "[x](https://evil.example) @admin <img src=x> ``` #12"


def _change(n: int) -> Change:
    return Change(
        id="endpoint-added",
        level="info",
        operation=f"GET /things{n}",
        path=f"/things{n}",
        method="GET",
        text="endpoint added",
        fingerprint=f"c{n:015d}",
    )


def _proposal(n: int, change: int, *, catches: bool | None = None, drift: Drift | None = None) -> Proposal:
    intent = Intent(
        kind=IntentKind.HAPPY_PATH,
        operation=f"GET /things{change}",
        path=f"/things{change}",
        method="GET",
        expected_status="200",
        text="answers",
        change_fingerprints=[f"c{change:015d}"],
        fingerprint=f"{n:016d}",
    )
    findings = [Finding(severity="error", code="drift", message="x")] if drift else []
    return Proposal(
        id=f"pw-{n:016d}",
        intent=intent,
        item={"id": f"pw-{n:016d}", "name": f"test {n}"},
        findings=findings,
        status="dropped" if drift else "pending",
        catches_old=catches,
        drift=drift,
    )


def _body(*proposals: Proposal, changes: int = 2) -> str:
    data = PrBodyData.build(
        title="t", change_set_key="k" * 16, changes=[_change(i) for i in range(changes)], proposals=proposals
    )
    return render_pr_body(data)


def _line(body: str, needle: str) -> str:
    return next(line for line in body.splitlines() if needle in line)


def test_each_test_says_whether_it_catches_the_old_api() -> None:
    body = _body(_proposal(1, 0, catches=True), _proposal(2, 0, catches=False), _proposal(3, 1, catches=None))
    assert _line(body, "pw-0000000000000001").endswith("catches the old API: yes")
    assert _line(body, "pw-0000000000000002").endswith("catches the old API: no")
    assert "catches the old API" not in _line(body, "pw-0000000000000003")  # no verdict there


def test_a_change_with_no_distinguishing_test_says_so() -> None:
    body = _body(_proposal(1, 0, catches=True), _proposal(2, 1, catches=False))
    assert "no test catches the old API" not in _line(body, "`GET /things0`:")
    assert _line(body, "`GET /things1`:").endswith("no test catches the old API")
    # nothing ran against the old API: no claim either way
    quiet = _body(_proposal(1, 0), _proposal(2, 1))
    assert "old API" not in quiet


def test_drift_findings_have_their_own_section_with_an_inert_excerpt() -> None:
    drift = Drift(declared="200", status=422, excerpt='{"detail":"bad ' + HOSTILE + '"}')
    body = _body(_proposal(1, 0, catches=True), _proposal(2, 1, drift=drift))
    assert "### Drift: the server disagrees with the spec (1)" in body
    line = _line(body, "pw-0000000000000002`: the server")
    assert "422 where `200` is declared; it answered `{" in line and "`GET /things1`" in line
    html = str(MarkdownIt("commonmark").render(body))
    outside = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    assert "<img" not in html and "href" not in html and "evil" not in outside
    assert "### Drift" not in _body(_proposal(1, 0))
