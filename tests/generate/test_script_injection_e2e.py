"""A spec whose names carry script injections yields the same test code as a benign spec."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.check import check_proposal
from agent.diff import diff_specs
from agent.generate.deterministic import generate
from agent.generate.postman import leaves
from agent.models import Proposal, SpecDocument
from agent.plan import plan
from agent.specs.load import load_spec
from tests.generate.js_shape import NASTY, PAYLOAD, assert_inert, literals, names, parse, shape

ROOT = Path(__file__).resolve().parents[2]
# what an injection would reach for; none of them is in the code we generate
FORBIDDEN = {"collectionVariables", "environment", "globals", "sendRequest", "request", "eval", "Function"}
# the one exception: the shared response schema is read by a name of our own (a content hash)
SHARED_READ = re.compile(
    r'const schema = JSON\.parse\(pm\.collectionVariables\.get\("pwSchema-[0-9a-f]{16}"\)\);'
)
VARIANTS = [PAYLOAD, *NASTY[1:6]]


def _doc(n: Callable[[str], str], *, removed: bool) -> dict[str, Any]:
    """A spec where every property, enum value, header and media-type parameter is named by ``n``."""
    thing: dict[str, Any] = {
        "type": "object",
        "required": [n("id"), n("kind")],
        "properties": {
            n("id"): {"type": "string"},
            n("kind"): {"type": "string", "enum": [n("big"), n("small")]},
            n("owner"): {
                "type": "object",
                "required": [n("name")],
                "properties": {n("name"): {"type": "string", "enum": [n("me")]}},
            },
        },
    }
    if not removed:
        thing["properties"][n("old")] = {"type": "string"}
    ok = {
        "description": "ok",
        "headers": {n("X-Rate"): {"schema": {"type": "string"}}},
        "content": {
            "application/json; profile=" + n("p"): {
                # inline: the planner reads a removed property's path from a pointer into the operation
                "schema": {"type": "array", "items": thing}
            }
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "things", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "parameters": [
                        {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": ok, "400": {"description": "bad"}},
                }
            }
        },
    }


def _spec(tmp_path: Path, n: Callable[[str], str], *, removed: bool) -> SpecDocument:
    path = tmp_path / f"{'new' if removed else 'old'}-{abs(hash(n('')))}.json"
    path.write_text(json.dumps(_doc(n, removed=removed)))
    return load_spec(str(path))


def _proposals(tmp_path: Path, n: Callable[[str], str]) -> list[Proposal]:
    old, new = _spec(tmp_path, n, removed=False), _spec(tmp_path, n, removed=True)
    changes = diff_specs(old, new)
    return generate(plan(changes, [], new, full_spec=False) + plan([], [], new, full_spec=True), new)


def _scripts(proposals: list[Proposal]) -> list[str]:
    return ["\n".join(p.item["event"][0]["script"]["exec"]) for p in proposals]


def _shapes(sources: list[str]) -> list[str]:
    return sorted(json.dumps(shape(parse(s)), sort_keys=True) for s in sources)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


@pytest.mark.parametrize("payload", VARIANTS, ids=range(len(VARIANTS)))
def test_hostile_spec_generates_the_benign_code(tmp_path: Path, payload: str) -> None:
    benign = _proposals(tmp_path, lambda tag: tag)
    hostile = _proposals(tmp_path, lambda tag: payload + tag)
    sources = _scripts(hostile)
    assert any("property_absent" in s or "no longer returned" in s for s in sources)  # every kind ran
    assert _shapes(sources) == _shapes(_scripts(benign))
    carried = 0
    for source in sources:
        assert_inert(source)
        tree = parse(source)
        assert not names(parse(SHARED_READ.sub("const schema = {};", source))) & FORBIDDEN
        carried += any(
            _utf16(payload) in _utf16(lit["value"]) for lit in literals(tree) if isinstance(lit["value"], str)
        )
    assert carried  # the payload did reach the scripts, as string data only
    assert not [f for p in hostile for f in p.findings]
    new = _spec(tmp_path, lambda tag: tag, removed=True)
    assert [check_proposal(p, new) for p in benign] == [[] for _ in benign]  # the policy accepts our code


def test_values_that_cannot_be_written_leave_their_assertion_out() -> None:
    doc = _doc(lambda tag: tag, removed=True)
    ok = doc["paths"]["/things"]["get"]["responses"]["200"]
    next(iter(ok["content"].values()))["schema"]["items"]["properties"]["kind"]["enum"] = [
        "big",
        float("nan"),
    ]
    spec = SpecDocument(ref="nan.json", version="3.0.3", document=doc)
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    contract = [p for p in proposals if any(f.code == "script-value-refused" for f in p.findings)]
    assert contract and all(p.ok for p in contract)  # warnings: the other assertions stand
    for p in contract:
        source = "\n".join(p.item["event"][0]["script"]["exec"])
        assert "NaN" not in source and "to.have.status(200)" in source
        assert {f.message.split(" ")[0] for f in p.findings} <= {"schema", "enum_values"}


@pytest.mark.parametrize("status", ["2000", "20", "2\u0660\u0660"])
def test_an_odd_status_key_drops_the_test(status: str) -> None:
    doc = _doc(lambda tag: tag, removed=True)
    responses = doc["paths"]["/things"]["get"]["responses"]
    responses[status] = responses.pop("200")
    spec = SpecDocument(ref="odd.json", version="3.0.3", document=doc)
    proposals = [
        p for p in generate(plan([], [], spec, full_spec=True), spec) if p.intent.expected_status == status
    ]
    assert proposals
    for p in proposals:
        assert not p.ok and p.item["event"][0]["script"]["exec"] == []
        assert [f.code for f in p.findings] == ["script-value-refused"]


def _collection_scripts(collection: dict[str, Any]) -> Iterator[str]:
    for _, item in leaves(collection["item"]):
        for event in item.get("event") or []:
            yield "\n".join(event["script"]["exec"])


def test_cli_generate_on_a_hostile_spec(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    new = tmp_path / "new.json"
    old.write_text(json.dumps(_doc(lambda tag: PAYLOAD + tag, removed=False)))
    new.write_text(json.dumps(_doc(lambda tag: PAYLOAD + tag, removed=True)))
    out = tmp_path / "out.json"
    run = subprocess.run(
        [sys.executable, "-m", "agent", "generate", "--spec", str(new), "--base", str(old), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    sources = list(_collection_scripts(json.loads(out.read_text())))
    assert sources
    for source in sources:
        assert_inert(source)
        assert not names(parse(SHARED_READ.sub("const schema = {};", source))) & FORBIDDEN
