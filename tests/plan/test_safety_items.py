"""The safety class travels in each item (``pwSafety``), set from the spec, never by a model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.boundary.outbound.policy import check_outbound
from agent.check import check_collection, check_proposal
from agent.events import StageFinished
from agent.generate.deterministic import generate
from agent.generate.llm import _proposal
from agent.generate.postman import build_collection, leaves
from agent.models import Finding, Proposal, PublishResult, SpecDocument
from agent.pipeline import Job, Pipeline
from agent.plan import plan
from agent.plan.safety import MARKER, NOT_RUN, NOT_RUN_CODE, marked
from agent.ports import ChangeSet, VerifyResult
from agent.store import open_store
from tests.pipeline.two_versions import Specs

OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "example": "7"}}]
SPEC = SpecDocument(
    ref="shop.yaml",
    version="3.0.3",
    document={
        "openapi": "3.0.3",
        "info": {"title": "shop", "version": "1"},
        "paths": {
            "/things": {"get": {"responses": OK}, "post": {"responses": OK}},
            "/things/{id}": {"parameters": ID, "patch": {"responses": OK}, "delete": {"responses": OK}},
            "/auth/logout": {"get": {"responses": OK}},
            "/search": {"post": {"responses": OK}},
        },
    },
)
EXPECTED = {
    "GET /things": "read",
    "POST /things": "create",
    "PATCH /things/{id}": "write",
    "DELETE /things/{id}": "destructive",
    "GET /auth/logout": "destructive",
    "POST /search": "read",
}


def _proposals() -> list[Proposal]:
    return generate(plan([], [], SPEC, full_spec=True), SPEC)


def test_every_generated_item_carries_its_intents_class_and_passes_the_checks() -> None:
    proposals = _proposals()
    assert {p.intent.operation: p.intent.safety for p in proposals} == EXPECTED
    for proposal in proposals:
        assert marked(proposal.item) == proposal.intent.safety
        assert not [f for f in check_proposal(proposal, SPEC) if f.code == "safety-mismatch"]
    collection = build_collection("shop", proposals, base_url="http://127.0.0.1:1")
    assert check_collection(collection) == []  # a valid v2.1 collection: item variables are allowed
    assert not [f for f in check_outbound(collection) if f.severity == "error"]
    kept = {item["id"]: marked(item) for _, item in leaves(collection["item"])}
    assert kept == {p.id: p.intent.safety for p in proposals}  # the marker stays on the item


@pytest.mark.parametrize("lie", ["read", "write", "create", "", "safe"])
def test_a_marker_edited_down_is_refused_by_the_check(lie: str) -> None:
    logout = next(p for p in _proposals() if p.intent.operation == "GET /auth/logout")
    variables = [v if v.get("key") != MARKER else {**v, "value": lie} for v in logout.item["variable"]]
    edited = logout.model_copy(update={"item": {**logout.item, "variable": variables}})
    found = [f for f in check_proposal(edited, SPEC) if f.code == "safety-mismatch"]
    assert len(found) == 1 and found[0].severity == "error"


def test_a_model_cannot_choose_its_items_class() -> None:
    intent = next(i for i in plan([], [], SPEC, full_spec=True) if i.operation == "GET /auth/logout")
    raw: dict[str, Any] = {
        "name": "log out",
        "request": {"method": "GET", "url": "{{baseUrl}}/auth/logout"},
        "event": [],
        "variable": [{"key": MARKER, "value": "read"}],
    }
    made = _proposal(intent, 0, raw)
    assert made is not None and made.item["variable"] == [
        {"key": MARKER, "value": "destructive", "type": "string"}
    ]
    # and were it to slip one in, the check would refuse it
    forged = made.model_copy(update={"item": {**made.item, "variable": [{"key": MARKER, "value": "read"}]}})
    assert "safety-mismatch" in {f.code for f in check_proposal(forged, SPEC)}


class _SkipUnsafe:
    """A runner against a 'real target' that runs reads only, as NewmanRunner's selection does."""

    def verify(self, collection: dict[str, Any], spec: Any, runs: int) -> VerifyResult:
        passed, findings = set(), {}
        for _, item in leaves(collection["item"]):
            if marked(item) == "read":
                passed.add(item["id"])
            else:
                reason = f"{NOT_RUN}: {marked(item)} (…) is not in [target] allow"
                findings[item["id"]] = [Finding(severity="warning", code="sandbox-skipped", message=reason)]
        return VerifyResult(frozenset(passed), findings, real_target=True)


class _Capture:
    def __init__(self) -> None:
        self.sets: list[ChangeSet] = []

    def publish(self, change_set: ChangeSet) -> PublishResult:
        self.sets.append(change_set)
        return PublishResult(branch="postwright/x", commit=None)


def test_a_test_not_run_against_the_target_is_kept_marked_and_shown(tmp_path: Path) -> None:
    capture = _Capture()
    pipeline = Pipeline(
        specs=Specs({"shop": SPEC.document}),
        store=open_store(tmp_path / "state"),
        runner=_SkipUnsafe(),
        publisher=capture,
    )
    with pipeline:
        events = list(pipeline.run(Job(revision="shop", base_url="http://127.0.0.1:9", runs=1)))
    summary = next(e for e in events if isinstance(e, StageFinished) and e.stage == "verify").summary
    kept = capture.sets[0].proposals
    not_run = {p.intent.operation for p in kept if any(f.code == NOT_RUN_CODE for f in p.findings)}
    assert not_run == {op for op, safety in EXPECTED.items() if safety != "read"}
    assert {p.intent.operation for p in kept} == set(EXPECTED)  # none dropped
    assert "kept but not run against the target" in summary
    body = capture.sets[0].body
    for proposal in kept:
        line = next(line for line in body.splitlines() if f"`{proposal.id}`" in line)
        assert f"safety: `{proposal.intent.safety}`" in line
        assert ("(not run against the target)" in line) == (proposal.intent.operation in not_run)
