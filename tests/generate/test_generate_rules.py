from __future__ import annotations

import json

from agent.generate.deterministic import generate
from agent.generate.postman import build_collection, operation_tags
from agent.models import IntentKind
from agent.plan import plan
from tests.plan.pw_demo_fixtures import demo_changes, demo_signals, load


def _script(proposal) -> str:
    test = next(e for e in proposal.item["event"] if e["listen"] == "test")
    return "\n".join(test["script"]["exec"])


def _defaults(proposals, spec) -> dict[str, str]:
    """The collection variables the proposals' {{variables}} take by default."""
    collection = build_collection("t", proposals, base_url="", document=spec.document)
    return {v["key"]: v["value"] for v in collection["variable"]}


def _demo():
    spec = load("petstore-v2.yaml")
    return spec, generate(plan(demo_changes(), demo_signals(), spec), spec)


def test_items_are_keyed_by_intent_and_deterministic() -> None:
    spec, proposals = _demo()
    assert all(p.item["id"] == f"pw-{p.intent.fingerprint}" == p.id for p in proposals)
    _, again = _demo()
    assert [p.item for p in proposals] == [p.item for p in again]
    other = generate([p.intent for p in proposals], spec, seed=7)
    assert [p.id for p in other] == [p.id for p in proposals]


def test_requests_use_base_url_variables_and_spec_examples() -> None:
    spec, proposals = _demo()
    for p in proposals:
        request = p.item["request"]
        assert request["url"]["raw"].startswith("{{baseUrl}}/")
        auth = [h["value"] for h in request["header"] if h["key"] == "Authorization"]
        if p.intent.kind is IntentKind.MISSING_REQUIRED and p.intent.details["omit"]["in"] == "auth":
            assert auth == []
        else:
            assert auth == ["Bearer {{accessToken}}"]
    happy = next(
        p
        for p in proposals
        if p.intent.kind is IntentKind.HAPPY_PATH
        and p.intent.operation == "GET /pets"
        and not p.intent.details
    )
    # the value is a variable whose default is the spec's example
    assert happy.item["request"]["url"]["query"] == [{"key": "shelterId", "value": "{{shelterId}}"}]
    assert _defaults(proposals, spec)["shelterId"] == "sh-001"


def test_negative_test_omits_the_parameter_and_expects_4xx() -> None:
    _, proposals = _demo()
    neg = next(p for p in proposals if p.intent.kind is IntentKind.MISSING_REQUIRED)
    assert "query" not in neg.item["request"]["url"]
    assert "to.be.within(400, 499)" in _script(neg)


def test_contract_script_asserts_schema_fields_enums_and_removed_property() -> None:
    _, proposals = _demo()
    removed = next(
        p
        for p in proposals
        if p.intent.kind is IntentKind.PROPERTY_REMOVED and p.intent.operation == "GET /pets"
    )
    script = _script(removed)
    assert "pm.response.to.have.status(200);" in script
    assert "application/json" in script
    assert "pm.response.to.have.jsonSchema(schema);" in script
    assert '"adopted"' in script and '"sold"' not in script
    assert 'pwAt(body, ["items"]).forEach' in script and 'to.not.have.property("tag")' in script
    assert '["id", "name", "status"]' in script


def test_enum_and_body_values_are_valid() -> None:
    _, proposals = _demo()
    bodies = [
        json.loads(p.item["request"]["body"]["raw"])
        for p in proposals
        if p.intent.operation == "POST /pets" and "body" in p.item["request"]
    ]
    assert bodies and all(isinstance(b.get("name"), str) and b["name"] for b in bodies)
    assert {b["status"] for b in bodies if "status" in b} <= {"available", "pending", "adopted"}
    set_values = {
        p.intent.details["set"]["value"]: p
        for p in proposals
        if p.intent.operation == "POST /pets" and "set" in p.intent.details
    }
    assert json.loads(set_values["adopted"].item["request"]["body"]["raw"])["status"] == "adopted"


def test_regression_replaces_redacted_values_and_asserts_success() -> None:
    spec, proposals = _demo()
    reg = next(
        p
        for p in proposals
        if p.intent.kind is IntentKind.REGRESSION and p.intent.operation == "GET /pets/{petId}"
    )
    # the log's value is the variable's default, and counts as found (no setup needed to run it)
    assert reg.item["request"]["url"]["raw"] == "{{baseUrl}}/pets/{{petId}}"
    defaults = _defaults(proposals, spec)
    assert defaults["petId"] == "42" and defaults["pwFound_petId"] == "1"
    assert "REDACTED" not in json.dumps(reg.item)
    assert "to.not.equal(401)" in _script(reg)


def test_nullable_and_composition_become_json_schema() -> None:
    from agent.generate.schema_convert import to_json_schema

    doc = {"components": {"schemas": {"A": {"type": "object", "properties": {"x": {"type": "string"}}}}}}
    schema = {
        "type": "object",
        "nullable": True,
        "additionalProperties": False,
        "properties": {
            "n": {"type": "integer", "format": "int64", "nullable": True, "example": 3},
            "e": {"type": "string", "enum": ["a"], "nullable": True},
            "o": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "integer"}]},
            "m": {"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": True},
        },
    }
    out = to_json_schema(doc, schema)
    assert out["type"] == ["object", "null"] and out["additionalProperties"] is False
    assert out["properties"]["n"] == {"type": ["integer", "null"]}
    assert out["properties"]["e"] == {"type": ["string", "null"], "enum": ["a", None]}
    assert out["properties"]["o"]["oneOf"][0]["properties"] == {"x": {"type": "string"}}
    assert out["properties"]["m"] == {
        "anyOf": [{"allOf": [{"type": "object", "properties": {"x": {"type": "string"}}}]}, {"type": "null"}]
    }


def test_collection_folders_variables_and_stability() -> None:
    spec, proposals = _demo()
    tags = operation_tags(spec.document)
    by_tag = build_collection("Petstore", proposals, base_url="https://api.petstore.example/v1", tags=tags)
    assert [f["name"] for f in by_tag["item"]] == ["pets"]
    assert by_tag["variable"][:2] == [
        {"key": "baseUrl", "value": "https://api.petstore.example/v1", "type": "string"},
        {"key": "accessToken", "value": "", "type": "string"},
    ]
    by_op = build_collection("Petstore", list(reversed(proposals)), base_url="x", folders="operation")
    assert len(by_op["item"]) == 4
    assert (
        by_op["info"]["_postman_id"]
        == build_collection("Petstore", proposals, base_url="x", folders="operation")["info"]["_postman_id"]
    )
    assert json.dumps(by_op, sort_keys=True) == json.dumps(
        build_collection("Petstore", proposals, base_url="x", folders="operation"), sort_keys=True
    )
