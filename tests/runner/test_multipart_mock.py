"""A multipart/form-data request carries no Content-Type of ours: newman writes it with the
boundary it uses. With ours, Prism refused the body (415: no boundary), as a server would.
A body declared as ``*/*`` (Swagger 2.0's consumes) is sent as JSON, not as ``*/*`` (422)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.check import check_proposal
from agent.cli.main import main
from agent.generate.deterministic import generate
from agent.models import SpecDocument
from agent.plan import plan

FORM = {
    "type": "object",
    "required": ["title"],
    "properties": {"title": {"type": "string"}, "count": {"type": "integer"}},
}


def _doc(media: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Uploads", "version": "1"},
        "paths": {
            "/uploads": {
                "post": {
                    "requestBody": {"required": True, "content": {media: {"schema": FORM}}},
                    "responses": {
                        "201": {
                            "description": "made",
                            "content": {"application/json": {"schema": FORM, "example": {"title": "t"}}},
                        }
                    },
                }
            }
        },
    }


@pytest.mark.parametrize(
    ("media", "header"),
    [
        ("multipart/form-data", None),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),  # Kubernetes' Swagger 2.0 consumes */*: Prism refused the raw body
        ("application/*", "application/json"),
    ],
)
def test_the_content_type_header_is_ours_unless_newman_must_write_it(media: str, header: str | None) -> None:
    spec = SpecDocument(ref="u.json", version="3.0.3", document=_doc(media))
    for proposal in generate(plan([], [], spec, full_spec=True), spec):
        sent = [h["value"] for h in proposal.item["request"]["header"] if h["key"].lower() == "content-type"]
        assert sent == ([header] if header else []) or "body" not in proposal.item["request"]
        assert [f for f in check_proposal(proposal, spec) if f.severity == "error"] == []


@pytest.mark.parametrize("media", ["multipart/form-data", "*/*"])
def test_bodies_pass_against_the_mock(
    media: str, sandbox_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_doc(media)))
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
    failed = {i["name"]: i["reasons"] for i in json.loads(text)["items"] if i["status"] != "passed"}
    assert done.value.code == 0 and not failed, (err, failed)
