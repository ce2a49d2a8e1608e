from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agent.models import IntentKind

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "agent" / "examples" / "demo"
CLI = [sys.executable, "-m", "agent"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_demo_through_the_real_diff() -> None:
    diff = pytest.importorskip("agent.diff")
    from agent.check import check_proposal
    from agent.generate.deterministic import generate
    from agent.plan import plan
    from agent.specs.load import load_spec

    old, new = (
        load_spec(str(DEMO / "specs/petstore-v1.yaml")),
        load_spec(str(DEMO / "specs/petstore-v2.yaml")),
    )
    changes = diff.diff_specs(old, new)
    intents = plan(changes, [], new)
    assert {fp for i in intents for fp in i.change_fingerprints} == {c.fingerprint for c in changes}
    removed = {
        i.operation: i.details.get("removed") for i in intents if i.kind is IntentKind.PROPERTY_REMOVED
    }
    assert removed == {"GET /pets": ["items", "tag"], "POST /pets": ["tag"], "GET /pets/{petId}": ["tag"]}
    assert any(
        i.kind is IntentKind.MISSING_REQUIRED and i.details["omit"]["name"] == "shelterId" for i in intents
    )
    proposals = generate(intents, new)
    assert all(check_proposal(p, new) == [] for p in proposals)


def test_cli_generate_and_validate(tmp_path: Path) -> None:
    out = tmp_path / "tests.postman_collection.json"
    gen = _run(
        "generate",
        "--spec",
        str(DEMO / "specs/petstore-v2.yaml"),
        "--base",
        str(DEMO / "specs/petstore-v1.yaml"),
        "--logs",
        str(DEMO / "logs"),
        "-o",
        str(out),
    )
    assert gen.returncode == 0, gen.stderr
    collection = json.loads(out.read_text())
    names = [i["name"] for f in collection["item"] for i in f["item"]]
    assert any("[regression]" in n for n in names) and any("[missing-required]" in n for n in names)
    assert "REDACTED" not in out.read_text() and "canary" not in out.read_text()
    ok = _run("validate", str(out), "--spec", str(DEMO / "specs/petstore-v2.yaml"), "--format", "json")
    assert ok.returncode == 0 and json.loads(ok.stdout) == []
    # a tampered collection fails with exit 1
    collection["item"][0]["item"][0]["request"]["header"].append({"key": "X-Api-Key", "value": "k" * 24})
    collection["item"][0]["item"][0]["request"]["url"]["raw"] = "https://other.example/pets"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(collection))
    failed = _run("validate", str(bad), "--spec", str(DEMO / "specs/petstore-v2.yaml"))
    assert failed.returncode == 1
    assert "request-literal-credential" in failed.stdout and "request-base-url" in failed.stdout


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    missing = _run("validate", str(tmp_path / "nope.json"), "--spec", str(DEMO / "specs/petstore-v2.yaml"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    full = _run("generate", "--spec", str(DEMO / "specs/petstore-v2.yaml"), "--folders", "operation")
    assert full.returncode == 0
    folders = [f["name"] for f in json.loads(full.stdout)["item"]]
    assert folders[0] == "pw-setup" and len(folders[1:]) == 4  # the setup folder finds pet ids
