"""One review screen as rows of text: what a proposal tests, where it came from, how it fared.

Every string shown comes from the store, which holds only boundary output (redacted, fenced
proposal texts); each row is one terminal line (long ones end in an ellipsis), so a screen
fits the terminal it is drawn on, 80×24 included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.syntax import Syntax
from rich.text import Text

from agent.models import ChangeRule, Provenance
from agent.review.queue import kind_of
from agent.store import StoredProposal, StoredRun

KEYS = "a accept  r reject  s skip  e edit  d diff  i info  A/R/S all  ? help  q quit"
HELP = [
    "a, Enter   accept this test",
    "r          reject it (asks a one-line reason)",
    "s, Space   skip it (it stays pending)",
    "e          edit its request and script in $EDITOR; checked and verified again on save",
    "A  R  S    accept / reject / skip every remaining test",
    "d          the diff against the collection in the repository",
    "i          provenance, findings and decisions",
    "g          go to a test by id",
    "?          this help",
    "q          quit (decisions are already saved)",
]
VERIFIED_STAGES = frozenset({"verify", "old api", "publish"})  # a run that got this far ran verify


@dataclass(frozen=True)
class Position:
    """Where the reviewer is: the i of "Reviewing [i/n]"."""

    index: int
    total: int


def rows(proposal: StoredProposal, at: Position, held: int | None, height: int) -> list[Text]:
    """The screen for one proposal in at most ``height`` rows (the key line last).

    ``held``: the sandbox runs its run verified it in (it passed them all), None if not verified.
    """
    head = [
        _line(f"Reviewing [{at.index}/{at.total}]  {proposal.id}  safety: {_safety(proposal.item)}", "bold"),
        _line(_what(proposal)),
        *_origin(proposal),
        *_request(proposal.item),
        _line(_results(proposal, held)),
        _line("script:", "bold"),
    ]
    tail = [_line(KEYS, "dim")]
    room = max(height - len(head) - len(tail), 1)
    script = _script(proposal.item)
    if len(script) > room:
        cut = len(script) - room + 1
        script = [*script[: room - 1], _line(f"  … {cut} more lines (e shows them all)", "dim")]
    return [*head, *script, *tail]


def _line(text: str, style: str = "") -> Text:
    return Text(text, style=style, no_wrap=True, overflow="ellipsis", end="")


def _safety(item: Mapping[str, Any]) -> str:
    for var in item.get("variable") or []:
        if isinstance(var, dict) and var.get("key") == "pwSafety":
            return str(var.get("value"))
    return "unknown"


def _what(p: StoredProposal) -> str:
    intent = p.provenance.get("intent") or {}
    return (
        f"{p.operation}  {kind_of(p) or '?'} test, expects {intent.get('expected_status')}  ({p.generator})"
    )


def _origin(p: StoredProposal) -> list[Text]:
    """Where the test came from: the intent's sentence, the log lines (dag/run/task/try) or changes."""
    intent = p.provenance.get("intent") or {}
    signals = [Provenance.model_validate(s) for s in intent.get("signals") or []]
    out = [_line(f"from: {intent.get('text', '')}")]
    for s in signals[:2]:
        line = f"  line {s.line}" if s.line is not None else ""
        out.append(_line(f"  log: dag {s.dag_id}  task {s.task_id}  try {s.try_number}{line}"))
        out.append(_line(f"       run {s.run_id}"))
    changes = change_lines(intent)
    if len(changes) > 2:  # two rows at most: the script needs the room
        changes = [changes[0], f"… and {len(changes) - 1} more (i shows them)"]
    out.extend(_line(f"  change {c}") for c in changes)
    return out


def change_lines(intent: Mapping[str, Any], *, sentence: bool = False) -> list[str]:
    """Each change the intent covers by its rule id and level (and sentence), as the run stored
    them; a row from before rules were stored names its change by fingerprint."""
    rules = [ChangeRule.model_validate(r) for r in intent.get("change_rules") or []]
    if not rules:
        return [str(fp) for fp in intent.get("change_fingerprints") or []]
    if sentence:
        return [f"{r.id} ({r.level}) {r.operation}: {r.text}" for r in rules]
    return [f"{r.id} ({r.level})" for r in rules]


def _request(item: Mapping[str, Any]) -> list[Text]:
    request = item.get("request") or {}
    url = request.get("url")
    raw = url.get("raw") if isinstance(url, dict) else url
    out = [_line(f"request: {request.get('method', 'GET')} {raw}")]
    headers = [
        f"{h.get('key')}: {h.get('value')}" for h in request.get("header") or [] if isinstance(h, dict)
    ]
    if headers:
        out.append(_line("  " + "  ".join(headers)))
    body = (request.get("body") or {}).get("raw")
    if body:
        out.append(_line("  body: " + " ".join(str(body).split())))
    return out


def verified_runs(run: StoredRun | None) -> int | None:
    """How many sandbox runs a run's kept tests passed (all of them), as that run stored its
    ``[sandbox] runs``; 0 for a run from before that was stored; None if it did not verify."""
    if run is None or run.stage not in VERIFIED_STAGES:
        return None
    runs = run.config.get("runs")
    return runs if isinstance(runs, int) and runs > 0 else 0


def _results(p: StoredProposal, held: int | None) -> str:
    errors = [f for f in p.findings if f.severity == "error"]
    parts = [f"check: {len(errors)} errors" if errors else "check: passed"]
    if any(f.code == "not-run-against-target" for f in p.findings):
        parts.append("sandbox: not run against the target (safety class)")
    elif held:
        parts.append(f"sandbox: held {held}/{held}")
    elif held == 0:
        parts.append("sandbox: held (runs not recorded)")
    else:
        parts.append("sandbox: not run")
    if p.catches_old is not None:
        parts.append(f"catches the old API: {'yes' if p.catches_old else 'no'}")
    if p.drift is not None:
        parts.append(f"drift: {p.drift.message}")
    return "  ".join(parts)


def script_text(item: Mapping[str, Any], listen: str = "test") -> str:
    """The item's script for one event, as one text."""
    for event in item.get("event") or []:
        if isinstance(event, dict) and event.get("listen") == listen:
            lines = (event.get("script") or {}).get("exec") or []
            return "\n".join(lines if isinstance(lines, list) else [str(lines)])
    return ""


def _script(item: Mapping[str, Any]) -> list[Text]:
    code = script_text(item)
    if not code:
        return [_line("  (no test script)", "dim")]
    from pygments.lexers.javascript import JavascriptLexer  # named directly: no registry scan

    highlighted = Syntax(code, JavascriptLexer(), theme="ansi_dark").highlight(code)
    return [_fit(line) for line in highlighted.split("\n")][: code.count("\n") + 1]


def _fit(line: Text) -> Text:
    out = _line("  ")
    out.append_text(line)
    return out
