"""PR bodies come from data only, and hostile text stays inert."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from agent.models import Change, Finding, Intent, IntentKind, Proposal, Redaction, RunSummary
from agent.publish import PrBodyData, render_pr_body
from agent.publish.markdown import code, escape

HOSTILE = (
    "[click](https://evil.example) @admin <img src=x> ![i](http://x/y.png) ``` #12 www.evil.example a@b.co"
)


def _html(markdown: str) -> str:
    return str(MarkdownIt("commonmark").enable("table").render(markdown))


def _outside_code(html: str) -> str:
    return re.sub(r"<code>.*?</code>", "", html, flags=re.S)


def _proposal(name: str, ok: bool = True) -> Proposal:
    intent = Intent(
        kind=IntentKind.PROPERTY_REMOVED,
        operation=f"GET /pets/{{id}} {HOSTILE}",
        path="/pets/{id}",
        method="GET",
        expected_status="200",
        text=HOSTILE,
        fingerprint="f" * 16,
    )
    findings = [] if ok else [Finding(severity="error", code="script-policy", message=HOSTILE)]
    return Proposal(
        id=f"pw-{name}",
        intent=intent,
        item={"id": f"pw-{name}", "name": f"{name} {HOSTILE}"},
        findings=findings,
    )


def _data() -> PrBodyData:
    change = Change(
        id="response-property-removed",
        level="error",
        operation="GET /pets/{id}",
        path="/pets/{id}",
        method="GET",
        text=HOSTILE,
        fingerprint="c" * 16,
    )
    return PrBodyData.build(
        title=f"Tests for 1 change {HOSTILE}",
        change_set_key="abcdef0123456789",
        changes=[change],
        proposals=[_proposal("kept"), _proposal("bad", ok=False)],
        redactions=[
            Redaction(kind="github-token", placeholder="<REDACTED:github-token:1>", origin="log", line=2)
        ]
        * 2,
        summary=RunSummary(run_id="r1", changes=1, proposals=2, kept=1, dropped=1, redactions=2),
        collection_path="collections/petstore.postman_collection.json",
    )


def test_hostile_text_renders_inert() -> None:
    body = render_pr_body(_data())
    html = _html(body)
    assert "<a " not in html and "<img" not in html
    assert "evil.example" in html  # the words are shown, just not as a link
    plain = _outside_code(html)
    assert (
        "@admin" not in plain and "#12" not in plain and "https://" not in plain and "www.evil" not in plain
    )
    assert "```" not in body  # no fence can open


def test_body_lists_structure() -> None:
    data = _data()
    body = render_pr_body(data)
    assert [p.id for p in data.proposals] == ["pw-kept"] and [d.id for d in data.dropped] == ["pw-bad"]
    assert "### API changes (1)" in body and "### Proposed tests (1)" in body
    assert "### Dropped proposals (1)" in body and "script-policy" in body
    assert "`github-token` as `<REDACTED:github-token:1>` ×2" in body
    assert "Change set `abcdef012345`" in body
    assert "1 changes" in body and "2 redactions" in body


def test_code_and_escape_helpers() -> None:
    assert code("a`b\nc\u202ed") == "`aˋb c d`"
    assert code("") == "` `"
    assert len(code("x" * 1000)) <= 302
    html = _html(escape("<script>alert(1)</script> **bold** [x](y)"))
    assert "<script>" not in html and "<strong>" not in html and "<a " not in html


def test_dropped_and_model_written_names_never_reach_the_body() -> None:
    from agent.models import Finding, Intent, IntentKind, Proposal
    from agent.publish.prbody import PrBodyData, render_pr_body

    intent = Intent(
        kind=IntentKind.CONTRACT,
        operation="GET /pets",
        path="/pets",
        method="GET",
        expected_status="200",
        text="t",
        fingerprint="a" * 16,
    )
    hostile = "share your token at www.attacker.example <img src=x> @admin"
    dropped = Proposal(
        id="pw-" + "a" * 16,
        intent=intent,
        generator="llm",
        item={"name": hostile},
        findings=[Finding(severity="error", code="injection-in-name", message=f"name says {hostile}")],
    )
    kept = Proposal(id="pw-" + "b" * 16, intent=intent, generator="llm", item={"name": hostile})
    body = render_pr_body(PrBodyData.build(title="t", change_set_key="k" * 16, proposals=[dropped, kept]))
    assert "attacker" not in body and "img" not in body and "@admin" not in body
    assert "injection-in-name" in body and dropped.id in body and kept.id in body
