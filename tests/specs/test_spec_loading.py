"""load_spec: sources (file, URL, git), formats, multi-file bundling, Swagger 2.0."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from agent.errors import InputError
from agent.specs.document import deref_schema, resolve
from agent.specs.load import load_spec

MINI = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving tmp_path."""
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def test_loads_demo_yaml(examples_dir: Path) -> None:
    spec = load_spec(str(examples_dir / "specs" / "petstore-v1.yaml"))
    assert spec.version == "3.0.3"
    assert "/pets/{petId}" in spec.document["paths"]


def test_json_and_yaml_give_the_same_document(tmp_path: Path, examples_dir: Path) -> None:
    doc = yaml.safe_load((examples_dir / "specs" / "petstore-v1.yaml").read_text())
    (tmp_path / "p.json").write_text(json.dumps(doc))
    assert (
        load_spec(str(tmp_path / "p.json")).document
        == load_spec(str(examples_dir / "specs" / "petstore-v1.yaml")).document
    )


def test_relative_cwd(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(MINI))
    assert load_spec("s.yaml", cwd=tmp_path).document["paths"]


def test_multi_file_refs_are_bundled_to_local_refs(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "pet.yaml").write_text(
        yaml.safe_dump(
            {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "owner": {"$ref": "common.yaml#/components/schemas/Owner"},
                    "children": {"type": "array", "items": {"$ref": "pet.yaml"}},
                },
            }
        )
    )
    (tmp_path / "schemas" / "common.yaml").write_text(
        yaml.safe_dump(
            {
                "components": {
                    "schemas": {"Owner": {"type": "object", "properties": {"id": {"type": "integer"}}}}
                }
            }
        )
    )
    (tmp_path / "params.yaml").write_text(
        yaml.safe_dump({"Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}})
    )
    root = dict(MINI)
    root["paths"] = {
        "/pets": {
            "get": {
                "parameters": [{"$ref": "params.yaml#/Limit"}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "schemas/pet.yaml"}}},
                    }
                },
            }
        }
    }
    (tmp_path / "root.yaml").write_text(yaml.safe_dump(root))
    doc = load_spec(str(tmp_path / "root.yaml")).document
    text = json.dumps(doc)
    assert ".yaml" not in text, "every ref is local after bundling"
    op = doc["paths"]["/pets"]["get"]
    assert op["parameters"][0]["name"] == "limit"
    schema = resolve(doc, op["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(schema["properties"]) == {"name", "owner", "children"}
    assert resolve(doc, schema["properties"]["owner"])["properties"]["id"]["type"] == "integer"
    # the recursive schema stays recursive (a ref to itself), and deref_schema copes
    assert schema["properties"]["children"]["items"]["$ref"] == "#/components/schemas/pet"
    assert deref_schema(doc, schema)["properties"]["children"]["items"] is not None


def test_swagger_2_is_converted(tmp_path: Path) -> None:
    swagger = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": {
            "/pets": {
                "post": {
                    "parameters": [
                        {
                            "name": "body",
                            "in": "body",
                            "required": True,
                            "schema": {"$ref": "#/definitions/Pet"},
                        },
                        {"name": "dry", "in": "query", "type": "boolean"},
                    ],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}},
                }
            }
        },
        "definitions": {
            "Pet": {"type": "object", "properties": {"name": {"type": "string", "x-nullable": True}}}
        },
    }
    (tmp_path / "s.json").write_text(json.dumps(swagger))
    spec = load_spec(str(tmp_path / "s.json"))
    assert spec.version == "2.0"
    op = spec.document["paths"]["/pets"]["post"]
    assert op["requestBody"]["required"] is True
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Pet"}
    assert op["parameters"][0]["schema"] == {"type": "boolean"}
    assert spec.document["components"]["schemas"]["Pet"]["properties"]["name"]["nullable"] is True


def test_openapi_31(tmp_path: Path) -> None:
    doc = {**MINI, "openapi": "3.1.0"}
    doc["paths"] = {
        "/a": {
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": ["string", "null"]}}},
                    }
                }
            }
        }
    }
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc))
    assert load_spec(str(tmp_path / "s.yaml")).version == "3.1.0"


def test_git_ref(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    run = partial(subprocess.run, cwd=repo, check=True, capture_output=True)
    run(["git", "init", "-q"])
    (repo / "api").mkdir()
    (repo / "api" / "spec.yaml").write_text(yaml.safe_dump(MINI))
    (repo / "api" / "more.yaml").write_text(yaml.safe_dump({"description": "from git", "content": {}}))
    run(["git", "add", "."])
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one"])
    (repo / "api" / "spec.yaml").write_text("changed: after commit\n")
    spec = load_spec("git:HEAD:api/spec.yaml", cwd=repo)
    assert spec.document["paths"]["/a"]
    assert spec.ref == "git:HEAD:api/spec.yaml"
    with pytest.raises(InputError, match="git:HEAD:api/nope.yaml"):
        load_spec("git:HEAD:api/nope.yaml", cwd=repo)


def test_url_and_remote_refs(served: tuple[str, Path], tmp_path: Path) -> None:
    url, root = served
    (root / "spec.yaml").write_text(yaml.safe_dump(MINI))
    (root / "resp.yaml").write_text(yaml.safe_dump({"description": "remote"}))
    assert load_spec(f"{url}/spec.yaml").document["paths"]["/a"]
    local = dict(MINI)
    local["paths"] = {"/a": {"get": {"responses": {"200": {"$ref": f"{url}/resp.yaml"}}}}}
    (tmp_path / "local.yaml").write_text(yaml.safe_dump(local))
    with pytest.raises(InputError, match="allow-remote-refs"):
        load_spec(str(tmp_path / "local.yaml"))
    doc = load_spec(str(tmp_path / "local.yaml"), remote_origins=[url]).document
    assert doc["paths"]["/a"]["get"]["responses"]["200"]["description"] == "remote"


def test_validation_error_names_the_json_path(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(MINI))
    bad["paths"]["/a"]["get"]["responses"]["200"] = {"content": {}}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(InputError, match=r"\$\.paths\['/a'\]\.get\.responses"):
        load_spec(str(tmp_path / "bad.json"), strict=True)
    assert load_spec(str(tmp_path / "bad.json"), validate=False).document["paths"]


@pytest.mark.parametrize("engine", ["fast", "openapi-spec-validator"])
def test_both_validation_engines_agree(tmp_path: Path, examples_dir: Path, engine: str) -> None:
    load_spec(str(examples_dir / "specs" / "petstore-v2.yaml"), engine=engine)
    bad = json.loads(json.dumps(MINI))
    bad["paths"]["/a"]["get"]["responses"]["200"]["description"] = 5
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    # Both name where; neither quotes the value (it may be a secret), so the path is what agrees.
    with pytest.raises(InputError, match=r"\$\.paths\['/a'\]\.get\.responses\[200\]"):
        load_spec(str(tmp_path / "bad.json"), engine=engine, strict=True)


def test_undeclared_path_parameter_and_duplicate_operation_id(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(MINI))
    doc["paths"]["/a/{id}"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    (tmp_path / "p.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match="path parameter 'id'"):
        load_spec(str(tmp_path / "p.json"), strict=True)
    doc = json.loads(json.dumps(MINI))
    doc["paths"]["/a"]["get"]["operationId"] = "x"
    doc["paths"]["/b"] = {"get": {"operationId": "x", "responses": {"200": {"description": "ok"}}}}
    (tmp_path / "o.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match="operationId 'x'"):
        load_spec(str(tmp_path / "o.json"), strict=True)
