"""One intent's chat request: the system template, and a user message with the TASK line and
fenced evidence blocks (``agent.boundary.injection.fence``); plus the JSON schema of the answer.

A request is built only from sealed input: the ``SanitizedSpec``, ``Evidence`` and the intent
and changes planned from them; :func:`build` accepts no text of any other kind.

The TASK line is the only unfenced text built per intent, so it holds only postwright's own
structure: the method from a fixed set, the path template when it fits a strict grammar,
status codes that are codes or ranges, the intent kind and counts. Every value that came
from an input (the baseline request with its example and observed values, an unusual path,
spec prose, server URLs, log lines) goes into a fenced, quarantined block; the only host the
model is told about is ``{{baseUrl}}``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agent.boundary.injection.fence import SYSTEM_INSTRUCTION, fence
from agent.boundary.injection.score import quarantine
from agent.boundary.sealed import Evidence, SanitizedSpec
from agent.generate import llm_context, spec_view
from agent.generate.requests import build_request
from agent.llm.prompts import PromptTemplate, load
from agent.llm.types import ChatRequest, Message
from agent.models import Change, Intent
from agent.specs.document import HTTP_METHODS, server_hosts

TEMPLATE = ("generate-tests", "v2")
BASE_URL = "{{baseUrl}}"

# A path template made of plain segments and {name} parameters, nothing else.
PLAIN_PATH = re.compile(r"^(?:/[A-Za-z0-9._~\-]*|/\{[A-Za-z0-9_.\-]+\})*$")
MAX_PATH = 200
STATUS = re.compile(r"^(?:[1-5](?:[0-9]{2}|XX)|default)$")
MAX_STATUSES = 20

# What the model must return; deliberately loose inside a Postman item (the guard and the
# validators judge the content), strict about the envelope.
ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 200},
        "expected_status": {"type": "string", "pattern": "^[1-5]([0-9]{2}|XX)$"},
        "request": {"type": "object"},
        "event": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["name", "expected_status", "request", "event"],
}
OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"items": {"type": "array", "items": ITEM_SCHEMA}},
    "required": ["items"],
}


def templates() -> tuple[PromptTemplate, PromptTemplate]:
    """The system and user templates of the current version."""
    return load(*TEMPLATE, "system"), load(*TEMPLATE, "user")


def plain_path(path: str) -> str | None:
    """``path`` when it is a plain template (``/pets/{petId}``), else None."""
    return path if path and len(path) <= MAX_PATH and PLAIN_PATH.match(path) else None


@dataclass(frozen=True)
class Prompt:
    """One intent's request, the hashes of its templates and what its evidence cost."""

    request: ChatRequest
    template_hashes: dict[str, str]
    quarantined: int  # suspicious spans replaced by markers in the evidence blocks
    left_out: int  # evidence blocks that did not fit the token budget


def task_line(intent: Intent, spec: SanitizedSpec) -> dict[str, Any]:
    """The trusted TASK: built only from our own structure, never from input text."""
    doc = spec.document
    op = spec_view.find_operation(doc, intent.method, intent.path)
    method = intent.method.lower()
    method_text = method.upper() if method in HTTP_METHODS else None
    path = plain_path(intent.path)
    declared = spec_view.statuses(op) if op is not None else []
    valid = [s for s in declared if STATUS.match(s)]
    expected = intent.expected_status if STATUS.match(intent.expected_status) else None
    return {
        "operation": f"{method_text} {path}" if method_text and path else "see the data block operation-path",
        "method": method_text,
        "path": path,
        "path_in_data_block": path is None,
        "expected_status": expected,
        "kind": intent.kind.value,
        "declared_statuses": valid[:MAX_STATUSES],
        "other_declared_statuses": len(declared) - len(valid[:MAX_STATUSES]),
        "host": BASE_URL,
    }


def task_blocks(intent: Intent, spec: SanitizedSpec, seed: int = 0) -> list[tuple[str, str]]:
    """(label, text) of the per-intent data the TASK refers to: baseline request, unusual path, servers.

    The spec's server hosts are quoted as data (they tell which logged calls went to this API),
    never as hosts a test may use.
    """
    doc = spec.document
    out: list[tuple[str, str]] = []
    op = spec_view.find_operation(doc, intent.method, intent.path)
    if op is not None:
        rng = random.Random(f"{seed}:{intent.fingerprint}")
        baseline = build_request(doc, op, rng, intent.details, intent.expected_status)
        out.append(("baseline-request", json.dumps(baseline, indent=1, sort_keys=True, default=str)))
    if plain_path(intent.path) is None or intent.method.lower() not in HTTP_METHODS:
        out.append(("operation-path", f"{intent.method.upper()[:16]} {intent.path}"))
    hosts = server_hosts(doc)
    if hosts:
        out.append(("spec-servers", json.dumps({"servers_listed_by_the_api_description": hosts})))
    return out


def build(
    intent: Intent,
    spec: SanitizedSpec,
    evidence: Sequence[Evidence],
    *,
    count: Callable[[str], int],
    budget: int,
    max_items: int,
    changes: Sequence[Change] = (),
    existing: Sequence[Evidence] = (),
    seed: int = 0,
) -> Prompt:
    """The request for one intent: its evidence chosen to fit ``budget`` tokens (by ``count``).

    ``changes`` are the diff of sanitized specs that the intent was planned from; ``existing``
    are tests already in the target collection, sealed.
    """
    blocks, left_out = llm_context.select(
        intent, spec, evidence, count, budget, changes=changes, existing=existing
    )
    system, user = templates()
    fenced = [fence(quarantine(text)[0], label) for label, text in task_blocks(intent, spec, seed)]
    fenced += [fence(b.text, b.label) for b in blocks]
    context = "\n\n".join(fenced) or "(no evidence)"
    if left_out:
        context += f"\n\n({int(left_out)} further evidence blocks were left out to fit the token budget.)"
    task = json.dumps(task_line(intent, spec), sort_keys=True, separators=(",", ":"))
    messages = (
        Message("system", system.render(max_items=str(int(max_items)), fence_rules=SYSTEM_INSTRUCTION)),
        Message("user", user.render(task=task, kind=intent.kind.value, evidence=context)),
    )
    return Prompt(
        ChatRequest(messages, OUTPUT_SCHEMA),
        {system.id: system.sha256, user.id: user.sha256},
        quarantined=sum(b.quarantined for b in blocks),
        left_out=left_out,
    )
