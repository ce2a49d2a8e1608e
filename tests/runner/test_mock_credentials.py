"""Against a mock, every security scheme's tests pass: Prism refuses a request without the
credential its scheme asks for (and a Basic one that is not base64 of ``user:password``), so the
runner gives the mock a stand-in credential that satisfies every scheme.

Jira declares ``http basic``: all 811 of its tests that failed against the mock got a 401.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.cli.main import main
from tests.generate.test_auth_schemes_e2e import CASES, _leaves

_THING = {
    "type": "object",
    "required": ["ok"],
    "properties": {"ok": {"type": "boolean"}, "n": {"type": "integer"}},
}


def _spec() -> dict[str, Any]:
    """One GET operation per OpenAPI 3 scheme of the auth end-to-end cases, each behind its own."""
    cases = {name: case for name, case in CASES.items() if not case.swagger2}
    paths = {
        f"/{name}": {
            "get": {
                "operationId": f"get_{name.replace('-', '_')}",
                "security": [{name: []}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": _THING, "example": {"ok": True, "n": 1}}},
                    },
                    "401": {"description": "no credential"},
                },
            }
        }
        for name in cases
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Schemes", "version": "1"},
        "components": {"securitySchemes": {name: case.scheme for name, case in cases.items()}},
        "paths": paths,
    }


def test_every_scheme_passes_against_the_mock(
    sandbox_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_spec()))
    out = tmp_path / "tests.json"
    with pytest.raises(SystemExit) as done:
        main(["--state-dir", str(tmp_path / "state"), "generate", "--spec", str(spec), "-o", str(out)])
    assert done.value.code == 0, capsys.readouterr().err
    collection = json.loads(out.read_text())
    ops = {leaf["request"]["url"]["path"][0] for leaf in _leaves(collection["item"])}
    assert ops == {name for name, case in CASES.items() if not case.swagger2}
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(
            [
                "verify", str(out), "--spec", str(spec), "--runs", "1",
                "--sandbox-dir", str(sandbox_dir), "--format", "json",
            ]
        )  # fmt: skip
    text, err = capsys.readouterr()
    report = json.loads(text)
    failed = {i["name"]: i["reasons"] for i in report["items"] if i["status"] != "passed"}
    assert done.value.code == 0 and not failed, (err, failed)
