"""Deterministic pair of large OpenAPI 3.0 specs (default 2,000 paths) for the diff benchmark.

usage: .venv/bin/python -m evals.diff.gen_specs OUT_DIR [--paths N]
Writes OUT_DIR/base.yaml and OUT_DIR/revision.yaml; the revision changes about 5% of the API
(removed paths and properties, new required parameters, enum and type changes, new paths).
"""

from __future__ import annotations

import argparse
import copy
import random
from pathlib import Path
from typing import Any

import yaml


def _schema(i: int) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "integer", "format": "int64"},
            "name": {"type": "string", "minLength": 1, "maxLength": 64},
            "status": {"type": "string", "enum": ["new", "active", "archived"]},
            "count": {"type": "integer", "minimum": 0, "maximum": 1000},
            "tags": {"type": "array", "items": {"type": "string"}},
            "owner": {"$ref": f"#/components/schemas/Owner{i % 20}"},
            "note": {"type": "string", "nullable": True},
        },
    }


def base_spec(n_paths: int) -> dict[str, Any]:
    """The base document: n_paths paths, two operations each, 400 shared schemas."""
    paths: dict[str, Any] = {}
    for i in range(n_paths):
        model = f"#/components/schemas/Model{i % 400}"
        paths[f"/r{i}/items/{{itemId}}"] = {
            "parameters": [{"name": "itemId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {
                "operationId": f"get{i}",
                "tags": [f"t{i % 20}"],
                "parameters": [
                    {"name": "fields", "in": "query", "schema": {"type": "string", "pattern": "^[a-z,]+$"}},
                    {"name": "X-Request-Id", "in": "header", "schema": {"type": "string", "format": "uuid"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": model}}},
                    },
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            },
            "put": {
                "operationId": f"put{i}",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": model}}},
                },
                "responses": {
                    "204": {"description": "stored"},
                    "422": {"$ref": "#/components/responses/NotFound"},
                },
            },
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Bench", "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": {f"Model{i}": _schema(i) for i in range(400)}
            | {f"Owner{i}": {"type": "object", "properties": {"id": {"type": "integer"}}} for i in range(20)}
            | {"Error": {"type": "object", "properties": {"message": {"type": "string"}}}},
            "responses": {
                "NotFound": {
                    "description": "missing",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
        },
    }


def revise(base: dict[str, Any], seed: int = 7) -> dict[str, Any]:
    """About 5% of paths and schemas changed, deterministically."""
    rng = random.Random(seed)
    rev = copy.deepcopy(base)
    rev["info"]["version"] = "2.0.0"
    paths = list(rev["paths"])
    for p in rng.sample(paths, len(paths) // 50):
        del rev["paths"][p]
    for p in rng.sample(list(rev["paths"]), len(rev["paths"]) // 50):
        rev["paths"][p]["get"]["parameters"].append(
            {"name": "tenant", "in": "query", "required": True, "schema": {"type": "string"}}
        )
    for i in range(len(paths) // 100):
        rev["paths"][f"/new{i}"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    schemas = rev["components"]["schemas"]
    for name in rng.sample([k for k in schemas if k.startswith("Model")], 20):
        props = schemas[name]["properties"]
        props["status"]["enum"] = ["new", "active", "deleted"]
        del props["note"]
        props["count"]["maximum"] = 500
        props["id"] = {"type": "string"}
    for i in range(5):
        schemas[f"Owner{i}"]["properties"]["email"] = {"type": "string", "format": "email"}
        schemas[f"Owner{i}"]["required"] = ["email"]
    return rev


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--paths", type=int, default=2000)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    base = base_spec(args.paths)
    for name, doc in (("base.yaml", base), ("revision.yaml", revise(base))):
        text = yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False)
        (args.out / name).write_text(text)
        print(f"{args.out / name}: {len(doc['paths'])} paths, {len(text) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
