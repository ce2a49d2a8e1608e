"""Hostile or broken specs: one-line InputError, bounded time and memory, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agent.errors import InputError
from agent.specs.load import load_spec

HEAD = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}}


def _schema_spec(schemas: dict[str, object], first: str) -> dict[str, object]:
    return {
        **HEAD,
        "paths": {
            "/a": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": {"$ref": f"#/components/schemas/{first}"}}
                            },
                        }
                    }
                }
            }
        },
        "components": {"schemas": schemas},
    }


def _load_error(tmp_path: Path, name: str, data: bytes) -> str:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(InputError) as info:
        load_spec(str(tmp_path / name))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_cyclic_refs(tmp_path: Path) -> None:
    spec = _schema_spec(
        {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}, "A"
    )
    assert "cyclic $ref" in _load_error(tmp_path, "c.json", json.dumps(spec).encode())


def test_recursive_schema_is_fine(tmp_path: Path) -> None:
    node = {
        "type": "object",
        "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/N"}}},
    }
    (tmp_path / "r.json").write_text(json.dumps(_schema_spec({"N": node}, "N")))
    assert load_spec(str(tmp_path / "r.json")).document


def test_ref_chain_1500_deep(tmp_path: Path) -> None:
    schemas: dict[str, object] = {f"S{i}": {"$ref": f"#/components/schemas/S{i + 1}"} for i in range(1500)}
    schemas["S1500"] = {"type": "string"}
    message = _load_error(tmp_path, "chain.json", json.dumps(_schema_spec(schemas, "S0")).encode())
    assert "longer than" in message


def test_external_cyclic_refs(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump({"$ref": "b.yaml"}))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump({"$ref": "a.yaml"}))
    spec = {**HEAD, "paths": {"/a": {"get": {"responses": {"200": {"$ref": "a.yaml"}}}}}}
    assert "cyclic" in _load_error(tmp_path, "root.json", json.dumps(spec).encode())


def test_yaml_alias_bomb(tmp_path: Path) -> None:
    lines = [
        "openapi: 3.0.3",
        "info: {title: t, version: '1'}",
        "paths: {}",
        'x-a0: &a0 ["lol","lol","lol","lol"]',
    ]
    for i in range(1, 12):
        prev = f"*a{i - 1}"
        lines.append(f"x-a{i}: &a{i} [{', '.join([prev] * 9)}]")
    message = _load_error(tmp_path, "bomb.yaml", "\n".join(lines).encode())
    assert "alias bomb" in message or "alias replay limit" in message


def test_fifty_megabytes(tmp_path: Path) -> None:
    with (tmp_path / "big.yaml").open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    assert "MB limit" in _load_error(tmp_path, "big.yaml", (tmp_path / "big.yaml").read_bytes())


def test_invalid_utf8(tmp_path: Path) -> None:
    assert "not valid UTF-8" in _load_error(tmp_path, "bad.yaml", b"openapi: 3.0.3\ninfo: \xff\xfe\xfa\n")


def test_binary_garbage(tmp_path: Path) -> None:
    data = bytes(range(256)) * 64
    assert "binary" in _load_error(tmp_path, "garbage.bin", data)


def test_json_array(tmp_path: Path) -> None:
    assert "top level is a list" in _load_error(tmp_path, "a.json", b"[1, 2, 3]")


def test_not_openapi_and_bad_yaml(tmp_path: Path) -> None:
    assert "not an OpenAPI document" in _load_error(tmp_path, "x.yaml", b"hello: world\n")
    assert "not valid YAML" in _load_error(tmp_path, "y.yaml", b"openapi: [3.0\n  - : :\n")
    assert "empty" in _load_error(tmp_path, "z.yaml", b"   \n")


def test_deep_nesting(tmp_path: Path) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    _load_error(tmp_path, "deep.json", deep.encode())
    _load_error(tmp_path, "deep.yaml", ("x: " + deep).encode())


def test_dangling_ref(tmp_path: Path) -> None:
    spec = _schema_spec({}, "Missing")
    assert "points to nothing" in _load_error(tmp_path, "d.json", json.dumps(spec).encode())


def test_alias_bomb_on_the_pyyaml_path_too(tmp_path: Path) -> None:
    from agent.specs.parse import _pyyaml, check_tree

    lines = ['x-a0: &a0 ["lol","lol","lol","lol"]']
    lines += [f"x-a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
    tree = _pyyaml("\n".join(lines), "bomb")  # shared references: cheap to build
    with pytest.raises(InputError, match="alias bomb"):
        check_tree(tree, "bomb")
