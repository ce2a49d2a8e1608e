"""Hostile spec pairs for the bounded-work benchmark, generated deterministically.

usage: .venv/bin/python -m evals.hostile.gen_specs OUT_DIR KIND [--size N]
KIND is ``enum`` (a shared enum of N values used by five operations as a query parameter,
a body property and a response property; the revision drops 10 and adds N - 10 values),
``ops`` (N operations, each with a changed response) or ``deep`` (a schema nested N levels
deep through properties, changed at the bottom). Writes OUT_DIR/base.yaml and
OUT_DIR/revision.yaml as text (YAML, or JSON for ``deep``; built as text: a million values in seconds).
"""

from __future__ import annotations

import argparse
from pathlib import Path

HEAD = 'openapi: 3.0.3\ninfo: {title: Hostile, version: "1.0"}\nservers: [{url: "http://127.0.0.1:9/"}]\n'


def _enum_operation(i: int) -> str:
    return f"""  /things{i}:
    post:
      operationId: post{i}
      parameters:
        - {{name: kind, in: query, required: true, schema: {{$ref: "#/components/schemas/Status"}}}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [status]
              properties:
                status: {{$ref: "#/components/schemas/Status"}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {{$ref: "#/components/schemas/Status"}}
        "400": {{description: bad}}
"""


def enum_spec(values: list[str]) -> str:
    """Five operations sharing one string enum."""
    body = "".join(_enum_operation(i) for i in range(5))
    listed = ", ".join(values)
    status = f"    Status:\n      type: string\n      enum: [{listed}]\n"
    return f"{HEAD}paths:\n{body}components:\n  schemas:\n{status}"


def enum_pair(size: int) -> tuple[str, str]:
    """Base: 20 values; revision: the last 10 of them and size - 10 new ones."""
    base = [f"e{i}" for i in range(20)]
    revision = base[10:] + [f"n{i}" for i in range(max(size - 10, 0))]
    return enum_spec(base), enum_spec(revision)


def ops_spec(count: int, field: str) -> str:
    """``count`` GET operations whose 200 response has one property named ``field``."""
    ops = "".join(
        f"""  /items{i}/{{id}}:
    get:
      operationId: get{i}
      parameters: [{{name: id, in: path, required: true, schema: {{type: integer}}}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{type: object, required: [{field}], properties: {{{field}: {{type: string}}}}}}
"""
        for i in range(count)
    )
    return f"{HEAD}paths:\n{ops}"


def deep_spec(depth: int, leaf: str) -> str:
    """One operation whose response schema nests ``depth`` objects (JSON text), ``leaf`` innermost."""
    schema = f'{{"type": "{leaf}"}}'
    for _ in range(depth):
        schema = f'{{"type": "object", "properties": {{"child": {schema}}}}}'
    response = (
        f'{{"200": {{"description": "ok", "content": {{"application/json": {{"schema": {schema}}}}}}}}}'
    )
    return (
        '{"openapi": "3.0.3", "info": {"title": "Hostile", "version": "1.0"}, '
        '"servers": [{"url": "http://127.0.0.1:9/"}], '
        f'"paths": {{"/deep": {{"get": {{"operationId": "deep", "responses": {response}}}}}}}}}'
    )


def pair(kind: str, size: int) -> tuple[str, str]:
    """(base, revision) text for one kind of hostile pair."""
    if kind == "enum":
        return enum_pair(size)
    if kind == "ops":
        return ops_spec(size, "name"), ops_spec(size, "title")
    if kind == "deep":
        return deep_spec(size, "string"), deep_spec(size, "integer")
    raise SystemExit(f"unknown kind {kind!r}: enum, ops or deep")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("kind", choices=("enum", "ops", "deep"))
    parser.add_argument("--size", type=int, default=30_000)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    base, revision = pair(args.kind, args.size)
    (args.out / "base.yaml").write_text(base, encoding="utf-8")
    (args.out / "revision.yaml").write_text(revision, encoding="utf-8")


if __name__ == "__main__":
    main()
