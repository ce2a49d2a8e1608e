"""A real run's report.html in Debian's headless Chromium: it renders offline with no console
error and no request beyond its own file, no planted secret is in it, and hostile markup from the
spec and the logs is text on the page, never elements.

The run is the bundled example through the real command line, with the security suite's
canaries and injected instructions planted in its logs and hostile strings in its spec.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.report.hostile_run import HostileRun, hostile_run
from tests.security.attack_kit import Recorder, leaks

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make browser-env)"),
]

# Elements a report never has: anything that runs, loads, links or submits.
_ACTIVE = (
    "script,img,iframe,frame,object,embed,a,link,form,input,button,base,video,audio,source,"
    "meta[http-equiv=refresh]"
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileRun]:
    listener = Recorder()
    try:
        yield hostile_run(tmp_path_factory.mktemp("report") / "ws", listener, "--no-verify")
        assert listener.requests == [], listener.text()[:2000]
    finally:
        listener.close()


@pytest.fixture(scope="module")
def page(run: HostileRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The report as Chromium saw it: console messages, page errors, requests, DOM facts, a screenshot."""
    from playwright.sync_api import sync_playwright

    seen: dict[str, Any] = {"console": [], "errors": [], "requests": [], "blocked": []}
    with sync_playwright() as pw:
        # Debian's chromium, not a downloaded one; as root (CI) it needs --no-sandbox
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            view = browser.new_page(viewport={"width": 1280, "height": 900})
            view.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
            view.on("pageerror", lambda e: seen["errors"].append(str(e)))
            view.on("request", lambda r: seen["requests"].append(r.url))
            # anything but the file itself is refused, and recorded (a test then fails on it)
            view.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url == run.report.as_uri()
                    else (seen["blocked"].append(route.request.url), route.abort())
                ),
            )
            view.goto(run.report.as_uri(), wait_until="load")
            seen["active"] = view.eval_on_selector_all(_ACTIVE, "els => els.map(e => e.outerHTML)")
            seen["counts"] = {tag: view.locator(tag).count() for tag in ("svg", "style", "table", "h2")}
            seen["handlers"] = view.evaluate(
                "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
                ".filter(a => a.name.startsWith('on') || /^(src|href|xlink:href|action)$/.test(a.name))"
                ".map(a => e.tagName + ' ' + a.name))"
            )
            seen["text"] = view.inner_text("body")
            seen["title"] = view.title()
            shot = tmp_path_factory.mktemp("screenshots") / "report.png"
            view.screenshot(path=str(shot), full_page=True)
            seen["screenshot"] = shot
        finally:
            browser.close()
    yield seen


def test_the_run_prints_where_its_report_is(run: HostileRun) -> None:
    assert run.report.is_file() and run.report.name == "report.html"
    assert run.report.parent.parent.name == "reports"


def test_no_planted_secret_is_in_the_report(run: HostileRun) -> None:
    html = run.report.read_bytes()
    assert leaks(run.canaries, [("report.html", html)]) == []
    assert b"REDACTED" in html or b"redact" in html.lower()  # the secrets were there, and were replaced


def test_the_page_renders_offline_with_no_console_error(run: HostileRun, page: dict[str, Any]) -> None:
    assert page["errors"] == []
    assert [m for m in page["console"] if m.startswith(("error", "warning"))] == []
    assert page["requests"] == [run.report.as_uri()]  # the file itself, nothing else
    assert page["blocked"] == []
    shot: Path = page["screenshot"]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_hostile_markup_is_text_never_elements(run: HostileRun, page: dict[str, Any]) -> None:
    assert page["active"] == []
    assert page["handlers"] == []
    assert page["counts"]["svg"] == 1 and page["counts"]["style"] == 1  # the page's own, only
    text: str = page["text"]
    assert page["title"].startswith("postwright run ")
    # from the spec: the title, enum values (change texts, test names), a parameter name
    for name in ("script-close", "img-onerror", "attribute-break", "template", "entity"):
        assert run.hostile[name] in text, name
    # from the logs: whole lines held as data (JSON-quoted), markdown and style included
    for name in ("markdown", "style"):
        assert run.hostile[name] in text, name


def test_every_section_is_there(run: HostileRun, page: dict[str, Any]) -> None:
    text: str = page["text"]
    for heading in (
        "API coverage",
        "API changes",
        "Failures in logs",
        "Proposals",
        "Redactions by kind and source",
        "Suspected injections held as data",
        "Identities used",
        "Model usage",
        "Time per stage",
    ):
        assert heading in text, heading
    for stage in ("load", "logs", "diff", "plan", "generate", "check", "publish"):
        assert f"\n{stage}\t" in text, stage
    assert "dag petstore_sync" in text and "try 1" in text  # where a failure was seen
