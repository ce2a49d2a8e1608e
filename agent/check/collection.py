"""Collection-level checks: the official v2.1 JSON Schema, ``{{baseUrl}}``, no literal credentials.

Request hygiene is the guard's (``boundary.outbound.request``); this adds the collection's own
``auth`` and ``variable`` blocks and JSON-pointer locations.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from agent.boundary.outbound.request import check_auth, check_request, credential_field, only_variables
from agent.generate.postman import leaves
from agent.models import Finding

V21_SCHEMA_URLS = {
    "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
    "https://schema.postman.com/json/collection/v2.1.0/collection.json",
    "https://schema.getpostman.com/json/draft-07/collection/v2.1.0/",
    "https://schema.getpostman.com/json/collection/v2.1.0/",
}


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The official v2.1 schema compiled by jsonschema-rs (Rust: a 23 MB collection in ~1 s)."""
    import jsonschema_rs

    text = resources.files("agent.check").joinpath("postman-collection-v2.1.schema.json").read_text()
    # The schema has no remote $refs and no format keywords; offline keeps it that way.
    return jsonschema_rs.Draft7Validator(json.loads(text), validate_formats=False, offline=True)


def _path_key(path: list[str | int]) -> list[tuple[int, str]]:
    """A sort key for mixed str/int JSON paths (array indexes numerically)."""
    return [(0, f"{p:012d}") if isinstance(p, int) else (1, p) for p in path]


def check_collection(collection: dict[str, Any]) -> list[Finding]:
    """Findings for a whole collection: schema validity, base URL and credential hygiene."""
    findings: list[Finding] = []
    errors = [(list(e.instance_path), e.message) for e in _validator().iter_errors(collection)]
    for path, message in sorted(errors, key=lambda e: _path_key(e[0])):
        where = "/" + "/".join(str(p) for p in path)
        message = " ".join(message.split())
        findings.append(
            Finding(
                severity="error",
                code="collection-schema",
                message=f"not a valid Postman v2.1 collection: {message[:200]}",
                location=where,
            )
        )
    info = collection.get("info") if isinstance(collection, dict) else None
    if isinstance(info, dict) and info.get("schema") not in V21_SCHEMA_URLS:
        findings.append(
            Finding(
                severity="error",
                code="collection-version",
                message=f"info.schema is {info.get('schema')!r}, not Postman v2.1",
                location="/info/schema",
            )
        )
    for pointer, item in leaves(collection.get("item") or []):
        findings += check_item(item, pointer)
    findings += _variables(collection.get("variable") or [], "/variable")
    findings += check_auth(collection.get("auth"), "/auth")
    return findings


def check_item(item: dict[str, Any], where: str = "") -> list[Finding]:
    """Base URL and credential checks for one item (the guard's ``check_request``), located by
    JSON pointer under ``where``."""
    request = item.get("request")
    if request is None:
        return []
    return check_request(request, f"{where}/request", ())


def _variables(variables: list[Any], where: str) -> list[Finding]:
    out: list[Finding] = []
    for i, var in enumerate(variables):
        if not isinstance(var, dict):
            continue
        name, value = str(var.get("key") or var.get("id") or ""), var.get("value")
        # a reference to another variable (`apiKey` = `{{accessToken}}`) holds no secret itself
        if credential_field(name) and value not in (None, "") and not only_variables(str(value)):
            out.append(
                Finding(
                    severity="error",
                    code="request-literal-credential",
                    message=f"collection variable {name} must be empty (supplied at run time)",
                    location=f"{where}/{i}",
                )
            )
    return out
