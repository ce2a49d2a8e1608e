"""Redaction of real specs: how many values each loses, where they sit, and that none is structure.

For every spec of the issue-16 pairs (fetched by :mod:`evals.realspecs.fetch`, or read from
``--pairs DIR``), the spec is sanitized as ``run`` does and compared with the original. Each
changed place is classified by its JSON location: *structure* (a key, an enum value, a
``$ref``, a name, an operationId, a type, anything the mock and the checks read) must be 0;
the rest are samples (``example``/``examples``, ``default``), prose (``description``,
``summary``, ``title``), URLs and ``x-*`` strings. ``--before REV`` also runs the walker of an
older commit for comparison. Run: ``python -m evals.realspecs.redaction [--pairs DIR]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.boundary.inbound.redact import Redactor
from agent.boundary.inbound.sanitize import sanitize_spec
from agent.models import Redaction, SpecDocument

KINDS = ("structure", "example", "default", "description", "url", "extension")
_SAMPLES = {"example": "example", "examples": "example", "x-example": "example", "x-examples": "example"}
_SAMPLES |= {"default": "default"}
_PROSE = frozenset({"description", "summary", "title"})
_URLS = frozenset({"url", "authorizationUrl", "tokenUrl", "refreshUrl", "openIdConnectUrl", "termsOfService"})
# Objects whose keys are names, so a name such as "default" or "example" is no keyword there.
_NAME_MAPS = frozenset(
    {"properties", "patternProperties", "schemas", "definitions", "responses", "parameters", "paths"}
    | {"securitySchemes", "headers", "links", "callbacks", "requestBodies", "content", "variables"}
    | {"encoding", "webhooks", "mapping", "securityDefinitions", "pathItems"}
)
# Strings OpenAPI reads as structure even inside an x-* object (GitHub's x-webhooks).
_NAMING = frozenset(
    {"$ref", "operationId", "name", "in", "type", "format", "pattern", "propertyName", "style", "scheme"}
    | {"bearerFormat", "openapi", "version", "contentType"}
)
KEY = "key:"  # prefix of a changed pointer whose key (not value) was rewritten


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def location_kind(pointer: str) -> str:
    """What a JSON pointer into an OpenAPI document points at: structure or a kind of data value."""
    if pointer.startswith(KEY):
        return "structure"
    tokens = _tokens(pointer)
    name = False  # the token is a name in a map of names
    inside_extension = False
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        if name:
            name = False
            continue
        if token in _SAMPLES:
            return _SAMPLES[token]
        if last and (token in _PROSE or (i and tokens[i - 1] == "scopes")):
            return "description"
        if last and token in _URLS:
            return "url"
        if last and (token.startswith("x-") or (inside_extension and token not in _NAMING)):
            return "extension"
        inside_extension = inside_extension or token.startswith("x-")
        name = token in _NAME_MAPS
    return "structure"


def changed(before: Any, after: Any, pointer: str = "") -> list[str]:
    """JSON pointers where ``after`` differs from ``before`` (a rewritten key as ``key:`` + pointer)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[str] = []
        for (k1, v1), (k2, v2) in zip(before.items(), after.items(), strict=True):
            child = f"{pointer}/{str(k1).replace('~', '~0').replace('/', '~1')}"
            if k1 != k2:
                out.append(KEY + child)
            out += changed(v1, v2, child)
        return out
    if isinstance(before, list) and isinstance(after, list):
        return [
            p
            for i, (a, b) in enumerate(zip(before, after, strict=True))
            for p in changed(a, b, f"{pointer}/{i}")
        ]
    return [] if before == after else [pointer]


Sanitizer = Callable[[Redactor, SpecDocument], Any]


def measure(path: Path, sanitize: Sanitizer = sanitize_spec) -> dict[str, Any]:
    """One spec's row: redactions, changed places by location kind, kinds of secret, time."""
    document = json.loads(path.read_text(encoding="utf-8-sig"))
    version = str(document.get("openapi") or document.get("swagger") or "3.0.0")
    spec = SpecDocument(ref=path.name, version=version, document=document)
    redactor = Redactor()
    start = time.perf_counter()
    out = sanitize(redactor, spec).document
    seconds = time.perf_counter() - start
    places = Counter(location_kind(p) for p in changed(document, out))
    report: list[Redaction] = redactor.report
    return {
        "spec": path.stem,
        "redactions": len(report),
        "places": places,
        "secret_kinds": Counter(r.kind for r in report),
        "seconds": seconds,
    }


def _old_sanitizer(rev: str) -> Sanitizer:
    """``sanitize_spec`` as of commit ``rev`` (loaded inside agent.boundary, which may seal)."""
    source = subprocess.run(
        ["git", "show", f"{rev}:agent/boundary/inbound/sanitize.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    folder = Path(tempfile.mkdtemp())
    (folder / "old_sanitize.py").write_text(source)
    name = "agent.boundary.inbound._old_sanitize"
    loaded = importlib.util.spec_from_file_location(name, folder / "old_sanitize.py")
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    sys.modules[name] = module
    loaded.loader.exec_module(module)
    result: Sanitizer = module.sanitize_spec
    return result


def _paths(pairs: Path | None) -> list[Path]:
    if pairs is not None:
        return sorted(p for p in pairs.glob("*.json"))
    from evals.realspecs.fetch import PAIRS, fetch

    return [p for name in PAIRS for p in fetch(name)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, help="read *.json specs from this folder instead of fetching")
    parser.add_argument("--before", metavar="REV", help="also count with the walker of this commit")
    args = parser.parse_args(argv)
    old = _old_sanitizer(args.before) if args.before else None
    head = "| spec | redactions | in structure (must be 0) | example | default | description | url | x-* |"
    head += " signature kind | time |"
    if old:
        head += " before: redactions | before: in structure |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    bad = 0
    for path in _paths(args.pairs):
        row = measure(path)
        p = row["places"]
        bad += p["structure"]
        line = (
            f"| {row['spec']} | {row['redactions']} | {p['structure']} | {p['example']} | {p['default']} | "
            f"{p['description']} | {p['url']} | {p['extension']} | {row['secret_kinds']['signature']} | "
            f"{row['seconds']:.2f} s |"
        )
        if old:
            was = measure(path, old)
            line += f" {was['redactions']} | {was['places']['structure']} |"
        print(line, flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
