"""The bundled demo logs give exactly the three failures the demo promises; big input stays linear."""

from __future__ import annotations

import re
import secrets
import string
from pathlib import Path

import yaml

from agent.models import LogSignal, Provenance, SpecDocument
from agent.sources.logfiles import LogFiles
from agent.sources.signals import extract_signals
from agent.testing.sealed import evidence

CANARY = re.compile(r"\{\{canary:([\w-]+)\}\}")


def _fake_token(kind: str) -> str:
    alphabet = string.ascii_letters + string.digits
    return f"{kind}-" + "".join(secrets.choice(alphabet) for _ in range(24))


def _spec(examples_dir: Path) -> SpecDocument:
    doc = yaml.safe_load((examples_dir / "specs" / "petstore-v2.yaml").read_text())
    return SpecDocument(ref="petstore-v2.yaml", version=doc["openapi"], document=doc)


def _demo_signals(examples_dir: Path, run_id: str | None = None) -> tuple[list[LogSignal], list[str]]:
    """Fill the canaries like the demo, then stand in for the boundary by replacing each token."""
    spec = _spec(examples_dir)
    found: list[LogSignal] = []
    tokens: list[str] = []
    for raw in LogFiles([examples_dir / "logs"]).logs():
        text = CANARY.sub(lambda m: _fake_token(m.group(1)), "".join(raw.chunks))
        planted = [t for t in re.findall(r"[\w-]+-[A-Za-z0-9]{24}", text)]
        tokens += planted
        for n, token in enumerate(planted, start=1):
            text = text.replace(token, f"[REDACTED:canary:{n}]")
        prov = raw.provenance if run_id is None else raw.provenance.model_copy(update={"run_id": run_id})
        found += extract_signals(evidence(text, raw.name), spec, provenance=prov)
    return found, tokens


def test_demo_logs_give_the_three_expected_failures(examples_dir: Path) -> None:
    found, tokens = _demo_signals(examples_dir)
    summary = sorted((s.operation, s.status, tuple(s.error_keys)) for s in found)
    assert summary == [
        ("GET /pets", 400, ("code", "message")),
        ("GET /pets/{petId}", 401, ()),
        ("POST /pets", 422, ("code", "message")),
    ]
    by_op = {s.operation: s for s in found}
    assert by_op["GET /pets/{petId}"].provenance.try_number == 2
    assert by_op["GET /pets/{petId}"].provenance.line == 3
    assert by_op["POST /pets"].provenance.task_id == "push_pets"
    assert by_op["POST /pets"].provenance.line == 5
    # The injected instruction in fetch_pets attempt 2 is data: no signal points at its hosts.
    assert not any("evil" in s.model_dump_json() for s in found)
    dumped = "".join(s.model_dump_json() for s in found)
    assert tokens and not any(t in dumped for t in tokens)
    assert "svc_petsync" not in dumped


def test_same_failures_in_another_run_have_the_same_fingerprints(examples_dir: Path) -> None:
    first, _ = _demo_signals(examples_dir)
    second, _ = _demo_signals(examples_dir, run_id="scheduled__2026-11-25T02:00:00+00:00")
    assert [s.fingerprint for s in first] == [s.fingerprint for s in second]
    assert {s.provenance.run_id for s in first} != {s.provenance.run_id for s in second}


def test_large_log_yields_every_call_with_its_line(examples_dir: Path) -> None:
    spec = _spec(examples_dir)
    block = [
        "INFO processing batch",
        'HTTP Request: GET https://api.petstore.example/v1/pets/{n} "HTTP/1.1 404 Not Found"',
        '{{"code": "not_found", "message": "no pet {n}"}}',
        "INFO moving on " + "x" * 200,
    ]
    count = 20_000
    text = "\n".join(line.format(n=n) for n in range(count) for line in block)
    found = extract_signals(evidence(text, "big.log"), spec, provenance=Provenance())
    assert len(found) == count
    assert found[-1].provenance.line == 4 * count - 2
    assert len({s.fingerprint for s in found}) == 1


def test_pathological_lines_do_not_blow_up(examples_dir: Path) -> None:
    spec = _spec(examples_dir)
    nasty = [
        "rror: " * 200_000,
        "{" * 500_000,
        "https://" + "a/" * 300_000,
        "[REDACTED:x:1]" * 50_000,
        "GET https://h/" + "%" * 200_000,
        "HTTPSConnectionPool(host='" + "h" * 200_000,
        '{"event": "' + "x" * 1_000_000 + '"}',
    ]
    for line in nasty:
        assert extract_signals(evidence(line, "n.log"), spec, provenance=Provenance()) == []
