"""The bundled demo pair: the changes the planner relies on are all found, with oasdiff ids."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from agent.diff import diff_specs
from agent.specs.load import load_spec


def _pairs(examples_dir: Path) -> set[tuple[str, str]]:
    base = load_spec(str(examples_dir / "specs" / "petstore-v1.yaml"))
    rev = load_spec(str(examples_dir / "specs" / "petstore-v2.yaml"))
    return {(c.id, c.operation) for c in diff_specs(base, rev)}


def test_demo_changes(examples_dir: Path) -> None:
    found = _pairs(examples_dir)
    expected = {
        ("endpoint-added", "GET /pets/{petId}/vaccinations"),
        ("response-optional-property-removed", "GET /pets"),
        ("response-optional-property-removed", "POST /pets"),
        ("response-optional-property-removed", "GET /pets/{petId}"),
        ("new-required-request-parameter", "GET /pets"),
        ("request-parameter-enum-value-removed", "GET /pets"),
        ("request-parameter-enum-value-added", "GET /pets"),
        ("request-property-enum-value-removed", "POST /pets"),
        ("request-property-enum-value-added", "POST /pets"),
        ("response-property-enum-value-removed", "GET /pets"),
        ("response-property-enum-value-added", "GET /pets"),
        ("response-property-enum-value-removed", "GET /pets/{petId}"),
        ("response-property-enum-value-added", "GET /pets/{petId}"),
        ("response-property-enum-value-added", "POST /pets"),
    }
    assert expected <= found, expected - found


def test_demo_change_details(examples_dir: Path) -> None:
    base = load_spec(str(examples_dir / "specs" / "petstore-v1.yaml"))
    rev = load_spec(str(examples_dir / "specs" / "petstore-v2.yaml"))
    changes = diff_specs(base, rev)
    shelter = next(c for c in changes if c.id == "new-required-request-parameter")
    assert shelter.level == "error" and shelter.method == "GET" and shelter.path == "/pets"
    assert "shelterId" in shelter.text and shelter.after["name"] == "shelterId"
    tag = next(
        c
        for c in changes
        if c.id == "response-optional-property-removed" and c.operation == "GET /pets/{petId}"
    )
    assert tag.level == "warning"
    assert tag.before == {"type": "string", "example": "dog"} and tag.after is None
    sold = next(c for c in changes if c.id == "request-parameter-enum-value-removed")
    assert "sold" in sold.text and sold.before["enum"] == ["available", "pending", "sold"]
    assert sold.source.base == "#/components/schemas/PetStatus"


def test_fingerprints_are_stable_across_runs_key_order_and_format(examples_dir: Path, tmp_path: Path) -> None:
    v1 = examples_dir / "specs" / "petstore-v1.yaml"
    v2 = examples_dir / "specs" / "petstore-v2.yaml"
    first = [c.fingerprint for c in diff_specs(load_spec(str(v1)), load_spec(str(v2)))]
    again = [c.fingerprint for c in diff_specs(load_spec(str(v1)), load_spec(str(v2)))]
    assert first == again and len(set(first)) == len(first)

    def reorder(node: object) -> object:
        if isinstance(node, dict):
            return {k: reorder(node[k]) for k in reversed(list(node))}
        return node

    for src, name in ((v1, "a.json"), (v2, "b.json")):
        (tmp_path / name).write_text(json.dumps(reorder(yaml.safe_load(src.read_text())), indent=4))
    other = diff_specs(load_spec(str(tmp_path / "a.json")), load_spec(str(tmp_path / "b.json")))
    assert sorted(c.fingerprint for c in other) == sorted(first)


def test_no_changes_against_itself(examples_dir: Path) -> None:
    spec = load_spec(str(examples_dir / "specs" / "petstore-v2.yaml"))
    assert diff_specs(spec, spec) == []
