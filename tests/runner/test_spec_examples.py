"""A test that fails against the mock only because the spec's own example breaks the spec's own
schema (the mock serves that example) is reported as the spec's: outcome ``spec-example`` in the
verify report, ``spec-example-invalid`` naming the operation and the example's JSON pointer in
``run``'s drop reason, counted apart from our failures.

Jira's response examples are JSON text inside a string: 293 of its tests failed that way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.check.examples import bad_example
from agent.check.spec_context import context_for
from agent.cli.main import main
from agent.models import SpecDocument
from agent.runner.report import ItemOutcome, VerifyReport, blame_spec_examples
from agent.specs.document import operations

_BANNER = {
    "type": "object",
    "required": ["message", "isEnabled"],
    "properties": {"message": {"type": "string"}, "isEnabled": {"type": "boolean"}},
}
_GOOD = {"message": "hello", "isEnabled": True}


def _json(schema: Any, **media: Any) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema, **media}}}


def _doc() -> dict[str, Any]:
    def get(response: dict[str, Any]) -> dict[str, Any]:
        return {"get": {"responses": {"200": response}}}

    return {
        "openapi": "3.0.3",
        "info": {"title": "Banners", "version": "1"},
        "components": {
            "schemas": {
                "Banner": _BANNER,
                "Listed": {**_BANNER, "example": {"message": "no isEnabled"}},
            },
            "responses": {
                "Stringly": _json({"$ref": "#/components/schemas/Banner"}, example=json.dumps(_GOOD))
            },
        },
        "paths": {
            # Jira's shape: the example is the JSON text of the object, in a string
            "/stringly": get(_json({"$ref": "#/components/schemas/Banner"}, example=json.dumps(_GOOD))),
            "/named": get(_json(_BANNER, examples={"first": {"value": [_GOOD]}, "second": {"value": _GOOD}})),
            "/schema-level": get(_json({"$ref": "#/components/schemas/Listed"})),
            "/shared": get({"$ref": "#/components/responses/Stringly"}),
            "/good": get(_json({"$ref": "#/components/schemas/Banner"}, example=_GOOD)),
        },
    }


EXPECTED = {
    "/stringly": "/paths/~1stringly/get/responses/200/content/application~1json/example",
    "/named": "/paths/~1named/get/responses/200/content/application~1json/examples/first/value",
    "/schema-level": "/components/schemas/Listed/example",
    "/shared": "/components/responses/Stringly/content/application~1json/example",
}


def test_served_examples_that_break_their_schema_are_found_with_their_pointer() -> None:
    spec = SpecDocument(ref="b.json", version="3.0.3", document=_doc())
    ctx = context_for(spec)
    found = {op.path: bad_example(ctx, op, "200") for op in operations(spec.document)}
    assert {path: bad.pointer for path, bad in found.items() if bad} == EXPECTED
    assert found["/good"] is None
    assert all(bad.operation == f"GET {path}" for path, bad in found.items() if bad)
    # the reason names the broken keyword, never the (possibly long) example it quotes
    assert found["/stringly"] is not None and found["/stringly"].reason == 'the value is not of type "object"'
    assert all("hello" not in bad.reason for bad in found.values() if bad)


def test_the_verify_report_and_runs_drop_reason_name_the_spec(
    sandbox_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_doc()))
    out = tmp_path / "tests.json"
    with pytest.raises(SystemExit) as done:
        main(["--state-dir", str(tmp_path / "state"), "generate", "--spec", str(spec), "-o", str(out)])
    assert done.value.code == 0, capsys.readouterr().err
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(
            [
                "verify", str(out), "--spec", str(spec), "--runs", "1",
                "--sandbox-dir", str(sandbox_dir), "--format", "json",
            ]
        )  # fmt: skip
    text, err = capsys.readouterr()
    assert done.value.code == 1
    assert "failed on the spec's own bad examples" in err
    items = json.loads(text)["items"]
    by_path: dict[str, set[str]] = {}
    for item in items:
        by_path.setdefault(item["name"].split(" ")[1], set()).add(item["status"])
    assert by_path["/good"] == {"passed"}
    for path, pointer in EXPECTED.items():
        # the contract test asserts the schema: the spec's failure; a happy path may pass
        assert "spec-example" in by_path[path] and "failed" not in by_path[path], (path, by_path[path])
        assert any(pointer in i.get("spec_example", "") for i in items if i["name"].split(" ")[1] == path)


def test_runs_drop_reason_is_spec_example_invalid() -> None:
    outcome = ItemOutcome("pw-1", "GET /stringly [contract]", runs_failed=2, reasons=["body matches …"])
    outcome.spec_example = "GET /stringly 200: the spec's example at /paths/~1stringly/… fails …"
    findings = VerifyReport(items={"pw-1": outcome}).result().findings["pw-1"]
    assert outcome.status == "spec-example"
    assert [f.code for f in findings] == ["spec-example-invalid"]
    assert "GET /stringly" in findings[0].message and "/paths/~1stringly/" in findings[0].message


_ITEM: dict[str, Any] = {
    "id": "pw-1",
    "name": "GET /stringly [contract]",
    "request": {
        "method": "GET",
        "url": {"raw": "{{baseUrl}}/stringly", "host": ["{{baseUrl}}"], "path": ["stringly"]},
    },
}
_CUT = (
    "body matches the response schema: expected data to satisfy schema but found following errors: "
    + "d" * 200
)


@pytest.mark.parametrize(
    ("reason", "theirs"),
    [
        (_CUT[:199] + "…", True),  # cut at MAX_MESSAGE: no "(assertion:" left to count
        ("body is JSON: Unexpected token (assertion:2 in test-script)", True),
        ("message is no longer returned: expected … (assertion:4 in test-script)", True),
        ("status is 200: expected 200 but got 400 (assertion:0 in test-script); " + _CUT[:80], False),
        (_CUT[:60] + " (assertion:3 in test-script); content type is application/json: expected …", False),
        ("header X-Rate is present: expected … (assertion:2 in test-script)", False),
    ],
)
def test_only_body_failures_are_laid_on_the_spec(reason: str, theirs: bool) -> None:
    spec = SpecDocument(ref="b.json", version="3.0.3", document=_doc())
    report = VerifyReport(items={"pw-1": ItemOutcome("pw-1", _ITEM["name"], runs_failed=1, reasons=[reason])})
    blame_spec_examples(report, {"item": [_ITEM]}, spec)
    assert report.items["pw-1"].status == ("spec-example" if theirs else "failed")
