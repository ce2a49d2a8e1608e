"""`verify --spec` mocks the redacted spec, as `run` does: a secret planted in a spec example is
never given to Prism, so it is never served, never in newman's report, the output or any file.

Before, verify passed the spec as loaded: Prism served the example as it was.
"""

from __future__ import annotations

import json
import secrets
import string
from pathlib import Path
from typing import Any

import pytest

from agent.cli.main import main
from agent.runner import newman

_ALNUM = string.ascii_letters + string.digits


def _canary() -> str:
    return "gh" + "p_" + "".join(secrets.choice(_ALNUM) for _ in range(36))


def _spec(canary: str) -> dict[str, Any]:
    note = {"type": "object", "properties": {"note": {"type": "string"}, "id": {"type": "integer"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Notes", "version": "1"},
        "paths": {
            "/notes": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": note, "example": {"note": canary, "id": 1}}
                            },
                        }
                    }
                }
            }
        },
    }


def _collection() -> dict[str, Any]:
    script = [
        "pm.test('status is 200', () => { pm.response.to.have.status(200); });",
        "pm.test('the example is served redacted', () => {",
        "  pm.expect(pm.response.json().note).to.match(/^\\[REDACTED:[a-z0-9-]+:1\\]$/);",
        "});",
    ]
    item = {
        "id": "pw-" + "c" * 16,
        "name": "GET /notes",
        "request": {
            "method": "GET",
            "header": [{"key": "Accept", "value": "application/json"}],
            "url": {"raw": "{{baseUrl}}/notes", "host": ["{{baseUrl}}"], "path": ["notes"]},
        },
        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": script}}],
    }
    return {
        "info": {
            "name": "Notes",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": [item],
        "variable": [{"key": "baseUrl", "value": ""}],
    }


def test_a_secret_in_a_spec_example_never_reaches_the_mock(
    sandbox_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = _canary()
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_spec(canary)))
    collection = tmp_path / "tests.json"
    collection.write_text(json.dumps(_collection()))
    given_to_prism: list[str] = []
    write_inputs = newman.NewmanRunner._write_inputs

    def spy(self: newman.NewmanRunner, workdir: Path, *args: Any) -> int:
        port = write_inputs(self, workdir, *args)
        given_to_prism.extend(p.read_text() for p in sorted(workdir.iterdir()) if p.is_file())
        return port

    monkeypatch.setattr(newman.NewmanRunner, "_write_inputs", spy)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    spec.write_text(json.dumps(_spec(canary)))
    with pytest.raises(SystemExit) as done:
        main(
            [
                "--state-dir", str(tmp_path / "state"), "verify", str(collection), "--spec", str(spec),
                "--runs", "1", "--sandbox-dir", str(sandbox_dir), "--format", "json",
            ]
        )  # fmt: skip
    out, err = capsys.readouterr()
    report = json.loads(out)
    # the mock served the placeholder: the test that asserts it passed
    assert done.value.code == 0, (err, [i["reasons"] for i in report["items"]])
    assert given_to_prism and any("[REDACTED:" in text for text in given_to_prism)
    assert all(canary not in text for text in given_to_prism)
    assert canary not in out + err
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != spec:
            assert canary.encode() not in path.read_bytes(), path
