from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from agent.check import check_collection, check_proposal
from agent.generate.deterministic import generate
from agent.generate.postman import build_collection
from agent.models import IntentKind, Proposal
from agent.plan import plan
from tests.plan.pw_demo_fixtures import demo_changes, demo_signals, load

SANDBOX = Path(__file__).resolve().parents[2] / "sandbox" / "node_modules" / ".bin"


def _demo() -> list[Proposal]:
    spec = load("petstore-v2.yaml")
    return generate(plan(demo_changes(), demo_signals(), spec, full_spec=True), spec)


def _codes(findings) -> set[str]:
    return {f.code for f in findings if f.severity == "error"}


def _edit(proposal: Proposal, mutate) -> Proposal:
    item = copy.deepcopy(proposal.item)
    mutate(item)
    return proposal.model_copy(update={"item": item})


def test_generated_demo_proposals_and_collection_pass() -> None:
    spec = load("petstore-v2.yaml")
    proposals = _demo()
    assert all(check_proposal(p, spec) == [] for p in proposals)
    assert check_collection(build_collection("Petstore", proposals, base_url="http://127.0.0.1:1")) == []


def test_bad_proposals_are_caught() -> None:
    spec = load("petstore-v2.yaml")
    proposals = _demo()
    happy = next(
        p for p in proposals if p.intent.kind is IntentKind.HAPPY_PATH and p.intent.operation == "GET /pets"
    )
    post = next(
        p for p in proposals if p.intent.kind is IntentKind.CONTRACT and p.intent.operation == "POST /pets"
    )
    neg = next(
        p
        for p in proposals
        if p.intent.kind is IntentKind.MISSING_REQUIRED and p.intent.operation == "GET /pets"
    )

    def unknown(item):
        item["request"]["url"] = {"raw": "{{baseUrl}}/owners", "host": ["{{baseUrl}}"], "path": ["owners"]}

    def no_param(item):
        del item["request"]["url"]["query"]

    def bad_body(item):
        item["request"]["body"]["raw"] = json.dumps({"name": "", "status": "sold"})

    def literal_token(item):
        item["request"]["header"][0]["value"] = "Bearer " + "x" * 30

    def other_host(item):
        item["request"]["url"]["raw"] = "https://evil.example/pets"

    def wrong_schema(item):
        lines = item["event"][0]["script"]["exec"]
        item["event"][0]["script"]["exec"] = [ln.replace('"adopted"', '"sold"') for ln in lines]
        for variable in item.get("variable", []):  # the schema the script reads, defined once
            variable["value"] = variable["value"].replace('"adopted"', '"sold"')

    def undeclared(item):
        lines = item["event"][0]["script"]["exec"]
        item["event"][0]["script"]["exec"] = [ln.replace("status(201)", "status(204)") for ln in lines]

    assert "operation-unknown" in _codes(check_proposal(_edit(happy, unknown), spec))
    assert "request-nonconforming" in _codes(check_proposal(_edit(happy, no_param), spec))
    assert "request-nonconforming" in _codes(check_proposal(_edit(post, bad_body), spec))
    assert "request-literal-credential" in _codes(check_proposal(_edit(happy, literal_token), spec))
    assert "request-base-url" in _codes(check_proposal(_edit(happy, other_host), spec))
    assert "schema-assertion" in _codes(check_proposal(_edit(post, wrong_schema), spec))
    assert "status-undeclared" in _codes(check_proposal(_edit(post, undeclared), spec))
    # a negative test whose request is valid proves nothing
    fixed = _edit(
        neg, lambda item: item["request"]["url"].update(query=[{"key": "shelterId", "value": "sh-001"}])
    )
    assert "negative-test-valid-request" in _codes(check_proposal(fixed, spec))


def test_collection_schema_and_credentials() -> None:
    proposals = _demo()
    good = build_collection("Petstore", proposals, base_url="http://127.0.0.1:1")
    broken = copy.deepcopy(good)
    broken["item"][0]["item"][0]["request"]["header"] = [{"key": "Authorization"}]  # no value
    broken["info"]["schema"] = "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"
    broken["variable"][1]["value"] = "tok-" + "y" * 20
    codes = _codes(check_collection(broken))
    assert {"collection-schema", "collection-version", "request-literal-credential"} <= codes
    assert check_collection({"info": {"name": "x"}, "item": "nope"})  # plainly invalid
    # the human-written demo collection is valid too
    demo = (
        Path(__file__).resolve().parents[2]
        / "agent/examples/demo/collections/petstore.postman_collection.json"
    )
    assert _codes(check_collection(json.loads(demo.read_text()))) == set()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.sandbox
@pytest.mark.slow
def test_demo_collection_passes_under_a_prism_mock_of_v2(tmp_path: Path) -> None:
    if not (SANDBOX / "prism").exists() or not (SANDBOX / "newman").exists() or not shutil.which("node"):
        pytest.skip("the Node sandbox is not installed")
    spec = load("petstore-v2.yaml")
    collection = build_collection("Petstore", _demo(), base_url="http://127.0.0.1:1")
    path = tmp_path / "c.json"
    path.write_text(json.dumps(collection))
    port = _free_port()
    prism = subprocess.Popen(
        [str(SANDBOX / "prism"), "mock", "-p", str(port), spec.ref],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        run = subprocess.run(
            [
                str(SANDBOX / "newman"),
                "run",
                str(path),
                "--env-var",
                f"baseUrl=http://127.0.0.1:{port}",
                "--env-var",
                "accessToken=test",
                "--reporters",
                "json",
                "--reporter-json-export",
                str(tmp_path / "r.json"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        report = json.loads((tmp_path / "r.json").read_text())
        stats = report["run"]["stats"]["assertions"]
        assert run.returncode == 0, [f["error"]["message"] for f in report["run"]["failures"]]
        assert stats["failed"] == 0 and stats["total"] > 40
    finally:
        prism.terminate()
        prism.wait(timeout=10)


def test_a_status_quoted_in_a_test_name_is_not_an_assertion() -> None:
    """A spec's text in a test name ("… to.have.status(599) …") must not read as the script
    expecting 599, which would drop the test as status-undeclared."""
    from agent.models import SpecDocument

    name = 'x pm.response.to.have.status(599) and to.be.within(500, 599) \\" y'
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": [name],
                                        "properties": {name: {"type": "string"}},
                                    }
                                }
                            },
                        }
                    }
                }
            }
        },
    }
    spec = SpecDocument(ref="t.yaml", version="3.0.3", document=doc)
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    assert proposals
    for proposal in proposals:
        assert [f.code for f in check_proposal(proposal, spec) if f.severity == "error"] == []
