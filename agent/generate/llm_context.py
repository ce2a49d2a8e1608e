"""What the model sees for one intent: evidence blocks, ranked by relevance, cut to a token budget.

Blocks are made only from sealed input (a ``SanitizedSpec``, ``Evidence`` of logs and
existing tests) and from the diff of sanitized specs, never from a ``str`` a caller hands in.
Blocks are whole structures: a spec fragment is shrunk by dropping whole keys (examples,
then other statuses, then schemas), a log is cut to whole lines around the lines that
mention the operation, an existing test is in or out. Everything here is untrusted, so each
block is quarantined (suspicious spans → markers) and then fenced by the prompt builder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agent.boundary.inbound.logstream import EXCERPT_CONTEXT, EXCERPT_MAX_LINE
from agent.boundary.injection.score import quarantine
from agent.boundary.sealed import Evidence, SanitizedSpec
from agent.diff.catalogue import known
from agent.generate import spec_view
from agent.models import Change, Intent
from agent.specs.document import Operation, deref_schema

# Lines of context around a relevant log line, and the length past which a line is left out
# whole (never cut): the same numbers the log stream keeps excerpts by, so they agree.
WINDOW, MAX_LINE = EXCERPT_CONTEXT, EXCERPT_MAX_LINE
# Longer lists (a hostile spec's 30,000-value enum) are cut to their first items and a count
# before they are serialised, so a block's cost does not grow with the input.
MAX_LIST = 50


@dataclass(frozen=True)
class Block:
    """One unit of evidence: a label, the (quarantined) text, its rank and token count."""

    label: str
    text: str
    rank: float
    tokens: int
    quarantined: int = 0


def _dump(value: Any) -> str:
    return json.dumps(_shrink(value), indent=1, sort_keys=True, default=str)


def _shrink(node: Any) -> Any:
    """``node`` with every list longer than :data:`MAX_LIST` cut, the cut counted."""
    if isinstance(node, dict):
        return {k: _shrink(v) for k, v in node.items()}
    if isinstance(node, list):
        kept = [_shrink(v) for v in node[:MAX_LIST]]
        if len(node) > MAX_LIST:
            kept.append(f"[... {len(node) - MAX_LIST:,} more items left out]")
        return kept
    return node


def _strip(node: Any, keys: frozenset[str]) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v, keys) for k, v in node.items() if k not in keys}
    if isinstance(node, list):
        return [_strip(v, keys) for v in node]
    return node


def operation_fragments(doc: dict[str, Any], op: Operation, status: str) -> list[dict[str, Any]]:
    """The operation as data, from fullest to smallest; each one a whole JSON structure."""
    responses = {}
    for code, raw in (op.spec.get("responses") or {}).items():
        media, schema = spec_view.response_media(doc, op, str(code))
        resp = raw if isinstance(raw, dict) else {}
        responses[str(code)] = {
            "description": resp.get("description"),
            "media": media,
            "schema": deref_schema(doc, schema) if schema is not None else None,
        }
    body = op.spec.get("requestBody")
    full = {
        "operation": op.key,
        "summary": op.spec.get("summary"),
        "description": op.spec.get("description"),
        "parameters": op.parameters(doc),
        "requestBody": deref_schema(doc, body) if body is not None else None,
        "responses": responses,
    }
    lean = _strip(full, frozenset({"example", "examples", "x-examples"}))
    mine = {k: v for k, v in responses.items() if k == status or k[:1] == status[:1] or k == "default"}
    focused = {**lean, "responses": _strip(mine, frozenset({"example", "examples"}))}
    names = {
        "operation": op.key,
        "parameters": [{"name": p.get("name"), "in": p.get("in")} for p in op.parameters(doc)],
        "responses": sorted(responses),
    }
    return [full, lean, focused, names]


def _terms(intent: Intent) -> list[str]:
    literal = [s for s in intent.path.split("/") if s and "{" not in s]
    return [f"/{s}" for s in literal] + [intent.expected_status.rstrip("X")]


def log_terms(doc: dict[str, Any]) -> frozenset[str]:
    """Every term :func:`log_excerpt` may look for in a log for an intent on this spec.

    A log reader keeps the lines that mention one (and ``WINDOW`` lines around them), so an
    excerpt of a long log gives the same excerpt as the whole log would.
    """
    paths = doc.get("paths")
    return frozenset(
        f"/{s}"
        for path in (paths if isinstance(paths, dict) else {})
        for s in str(path).split("/")
        if s and "{" not in s
    )


def log_excerpt(evidence: Evidence, intent: Intent) -> tuple[str, float]:
    """Whole lines around the lines that mention the operation, and a relevance score.

    Evidence that is already an excerpt keeps its lines' original numbers, so the lines
    chosen and the "lines omitted" counts are those of the whole log.
    """
    numbered = list(evidence.lines())
    path_terms = [t for t in _terms(intent)[:-1] if t]
    method = intent.method.upper()
    hits = [
        i
        for i, (_, line) in enumerate(numbered)
        if len(line) <= MAX_LINE and any(t in line for t in path_terms) and (method in line or not path_terms)
    ]
    if not hits:
        hits = [
            i
            for i, (_, line) in enumerate(numbered)
            if len(line) <= MAX_LINE and any(t in line for t in path_terms)
        ]
    if not hits:
        return "", 0.0
    wanted = {n for i in hits for n in range(numbered[i][0] - WINDOW, numbered[i][0] + WINDOW + 1)}
    out: list[str] = []
    previous = 0
    for number, line in numbered:
        if number not in wanted or len(line) > MAX_LINE:
            continue
        if previous and number > previous + 1:
            out.append(f"[... {number - previous - 1} lines omitted ...]")
        out.append(line)
        previous = number
    score = 2.0 + min(len(hits), 10) / 10
    origins = {s.file for s in intent.signals if s.file} | {s.task_id for s in intent.signals if s.task_id}
    if any(o and o in evidence.origin for o in origins):
        score += 3.0
    return "\n".join(out), score


def candidates(
    intent: Intent,
    spec: SanitizedSpec,
    evidence: Sequence[Evidence],
    changes: Sequence[Change],
    existing: Sequence[Evidence],
) -> list[tuple[str, list[str], float]]:
    """(label, alternatives from fullest to smallest, rank) for every piece of evidence.

    Labels are our own structure (a rule id from our table, a position), never input text:
    they are written on the fence line.
    """
    doc = spec.document
    out: list[tuple[str, list[str], float]] = []
    op = spec_view.find_operation(doc, intent.method, intent.path)
    if op is not None:
        out.append(
            ("spec-operation", [_dump(f) for f in operation_fragments(doc, op, intent.expected_status)], 10.0)
        )
    for change in changes:
        if change.fingerprint in intent.change_fingerprints:
            full = {
                "id": change.id,
                "level": change.level,
                "text": change.text,
                "before": change.before,
                "after": change.after,
            }
            small = {k: full[k] for k in ("id", "level", "text")}
            label = f"change:{change.id}" if known(change.id) else "change"
            out.append((label, [_dump(full), _dump(small)], 8.0))
    for index, test in enumerate(existing):
        out.append((f"existing-test:{index}", [test.text], 4.0))
    for number, ev in enumerate(evidence, start=1):
        text, score = log_excerpt(ev, intent)
        if text:
            out.append((f"log:{number}", [text], score))
    return out


def select(
    intent: Intent,
    spec: SanitizedSpec,
    evidence: Sequence[Evidence],
    count: Callable[[str], int],
    budget: int,
    *,
    changes: Sequence[Change] = (),
    existing: Sequence[Evidence] = (),
) -> tuple[list[Block], int]:
    """The blocks that fit ``budget`` tokens, most relevant first; and how many were left out.

    ``existing``: tests already in the target collection, each sealed (one item's JSON).
    """
    chosen: list[Block] = []
    left_out = 0
    used = 0
    ranked = sorted(candidates(intent, spec, evidence, changes, existing), key=lambda c: -c[2])
    for label, alternatives, rank in ranked:
        for text in alternatives:
            clean, found = quarantine(text)
            flagged = len(re.findall(r"\[QUARANTINED:injection:\d+\]", clean)) if found else 0
            tokens = count(clean) + 40  # the fence lines and label
            if used + tokens <= budget:
                chosen.append(Block(label, clean, rank, tokens, flagged))
                used += tokens
                break
        else:
            left_out += 1
    return chosen, left_out
