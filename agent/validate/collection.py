"""Collection-level checks: the official v2.1 JSON Schema, ``{{baseUrl}}``, no literal credentials."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

from agent.models import Finding

V21_SCHEMA_URLS = {
    "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
    "https://schema.postman.com/json/collection/v2.1.0/collection.json",
    "https://schema.getpostman.com/json/draft-07/collection/v2.1.0/",
    "https://schema.getpostman.com/json/collection/v2.1.0/",
}
_VAR_ONLY = re.compile(
    r"^\s*(?:(?:Bearer|Basic|Token|Digest|ApiKey|Api-Key)\s+)?\{\{[A-Za-z_][\w.-]*\}\}\s*$", re.I
)
_SECRET_HEADERS = {
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "apikey",
    "x-auth-token",
    "x-access-token",
    "cookie",
    "x-csrf-token",
    "private-token",
    "x-amz-security-token",
}
_SECRET_NAME = re.compile(
    r"(token|secret|password|passwd|api[_-]?key|apikey|access[_-]?key|credential|session)", re.I
)


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The official v2.1 schema compiled by jsonschema-rs (Rust: a 23 MB collection in ~1 s)."""
    import jsonschema_rs

    text = resources.files("agent.validate").joinpath("postman-collection-v2.1.schema.json").read_text()
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
    for pointer, item in _items(collection.get("item") or [], "/item"):
        findings += check_item(item, pointer)
    findings += _variables(collection.get("variable") or [], "/variable")
    findings += _auth(collection.get("auth"), "/auth")
    return findings


def check_item(item: dict[str, Any], where: str = "") -> list[Finding]:
    """Base URL and credential checks for one item."""
    request = item.get("request")
    if not isinstance(request, dict):
        return []
    findings: list[Finding] = []
    url = request.get("url")
    raw = url.get("raw") if isinstance(url, dict) else url
    if not isinstance(raw, str) or not raw.startswith("{{baseUrl}}"):
        findings.append(
            Finding(
                severity="error",
                code="base-url",
                message=f"request URL must start with {{{{baseUrl}}}}: {str(raw)[:80]!r}",
                location=f"{where}/request/url",
            )
        )
    elif re.match(r"^\{\{baseUrl\}\}[^/?#]*@", raw) or re.search(r"//[^/@\s]+:[^/@\s]+@", raw):
        findings.append(
            Finding(
                severity="error",
                code="literal-credential",
                message="credentials embedded in the request URL",
                location=f"{where}/request/url",
            )
        )
    for i, head in enumerate(request.get("header") or []):
        if not isinstance(head, dict):
            continue
        name, value = str(head.get("key", "")), str(head.get("value", ""))
        secretish = name.lower() in _SECRET_HEADERS or bool(_SECRET_NAME.search(name))
        if secretish and value and not _VAR_ONLY.match(value) and not _cookie_vars(name, value):
            findings.append(
                Finding(
                    severity="error",
                    code="literal-credential",
                    message=f"header {name} must carry a {{{{variable}}}}, not a literal value",
                    location=f"{where}/request/header/{i}",
                )
            )
    for i, query in enumerate((url.get("query") or []) if isinstance(url, dict) else []):
        if isinstance(query, dict) and _SECRET_NAME.search(str(query.get("key") or "")):
            value = str(query.get("value") or "")
            if value and not _VAR_ONLY.match(value):
                findings.append(
                    Finding(
                        severity="error",
                        code="literal-credential",
                        message=f"query parameter {query.get('key')} must be a {{{{variable}}}}",
                        location=f"{where}/request/url/query/{i}",
                    )
                )
    findings += _auth(request.get("auth"), f"{where}/request/auth")
    return findings


def _cookie_vars(name: str, value: str) -> bool:
    """A Cookie header whose every value is a variable."""
    if name.lower() != "cookie":
        return False
    pairs = [p.split("=", 1) for p in value.split(";") if p.strip()]
    return all(len(p) == 2 and _VAR_ONLY.match(p[1]) for p in pairs)


def _auth(auth: Any, where: str) -> list[Finding]:
    if not isinstance(auth, dict):
        return []
    out: list[Finding] = []
    for attr in auth.get(str(auth.get("type")), []) or []:
        if not isinstance(attr, dict):
            continue
        value = attr.get("value")
        if (
            attr.get("key")
            in ("token", "password", "key", "value", "accessToken", "clientSecret", "secretKey")
            and isinstance(value, str)
            and value
            and not _VAR_ONLY.match(value)
        ):
            out.append(
                Finding(
                    severity="error",
                    code="literal-credential",
                    message=f"auth attribute {attr.get('key')} must be a {{{{variable}}}}",
                    location=where,
                )
            )
    return out


def _variables(variables: list[Any], where: str) -> list[Finding]:
    out: list[Finding] = []
    for i, var in enumerate(variables):
        if not isinstance(var, dict):
            continue
        name, value = str(var.get("key") or var.get("id") or ""), var.get("value")
        if _SECRET_NAME.search(name) and value not in (None, ""):
            out.append(
                Finding(
                    severity="error",
                    code="literal-credential",
                    message=f"collection variable {name} must be empty (supplied at run time)",
                    location=f"{where}/{i}",
                )
            )
    return out


def _items(items: list[Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every request item with its JSON pointer, folders walked."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        pointer = f"{where}/{i}"
        if isinstance(item.get("item"), list):
            yield from _items(item["item"], f"{pointer}/item")
        else:
            yield pointer, item
