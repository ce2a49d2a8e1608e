"""One intent's chat request: the system template, and a user message with the TASK line and
fenced evidence blocks (``agent.boundary.fence``); plus the JSON schema of the answer."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

from agent.boundary.fence import SYSTEM_INSTRUCTION, fence
from agent.generate import spec_view
from agent.generate.llm_context import Block
from agent.generate.requests import build_request
from agent.llm.prompts import PromptTemplate, load
from agent.llm.types import ChatRequest, Message
from agent.models import Intent
from agent.specs.document import server_hosts

TEMPLATE = ("generate-tests", "v1")

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


def task_line(intent: Intent, doc: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """The trusted TASK: what to test, built by postwright from the intent and the spec."""
    op = spec_view.find_operation(doc, intent.method, intent.path)
    baseline: dict[str, Any] | None = None
    if op is not None:
        rng = random.Random(f"{seed}:{intent.fingerprint}")
        baseline = build_request(doc, op, rng, intent.details, intent.expected_status)
    return {
        "operation": f"{intent.method.upper()} {intent.path}",
        "method": intent.method.upper(),
        "path": intent.path,
        "expected_status": intent.expected_status,
        "kind": intent.kind.value,
        "declared_statuses": spec_view.statuses(op) if op is not None else [],
        "servers": server_hosts(doc),
        "baseline_request": baseline,
    }


def build(
    intent: Intent,
    doc: dict[str, Any],
    blocks: Sequence[Block],
    *,
    max_items: int,
    left_out: int = 0,
    seed: int = 0,
) -> tuple[ChatRequest, dict[str, str]]:
    """The request for one intent and the hashes of the templates used."""
    system, user = templates()
    evidence = "\n\n".join(fence(b.text, b.label) for b in blocks) or "(no evidence)"
    if left_out:
        evidence += f"\n\n({left_out} further evidence blocks were left out to fit the token budget.)"
    task = json.dumps(task_line(intent, doc, seed), sort_keys=True, separators=(",", ":"))
    messages = (
        Message("system", system.render(max_items=str(max_items), fence_rules=SYSTEM_INSTRUCTION)),
        Message("user", user.render(task=task, kind=intent.kind.value, evidence=evidence)),
    )
    return ChatRequest(messages, OUTPUT_SCHEMA), {system.id: system.sha256, user.id: user.sha256}
