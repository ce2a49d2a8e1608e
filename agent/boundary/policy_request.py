"""The request side of a proposed Postman item: base URL, credentials, names."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from agent.boundary.policy_js import CREDENTIAL_NAME, is_secret_name, template_vars
from agent.models import Finding

BASE_URL = "{{baseUrl}}"
_CREDENTIAL_HEADERS = re.compile(
    r"(?i)^(authorization|proxy-authorization|cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token)$"
)
_SCHEME_WORDS = re.compile(r"(?i)\b(bearer|basic|token|digest|apikey)\b")
_TEMPLATE = re.compile(r"\{\{\s*[^{}\s]+\s*\}\}")


def _error(code: str, message: str, where: str) -> Finding:
    return Finding(severity="error", code=code, message=message, location=where)


def only_variables(value: str) -> bool:
    """A credential value made only of ``{{variables}}`` (and an auth scheme word)."""
    rest = _SCHEME_WORDS.sub("", _TEMPLATE.sub("", value))
    return "{{" in value and not rest.strip()


def raw_url(url: Any) -> str:
    """The raw URL of a v2.1 url field (string or object)."""
    if isinstance(url, str):
        return url
    if isinstance(url, dict):
        if isinstance(url.get("raw"), str):
            return str(url["raw"])
        host = url.get("host")
        host_text = ".".join(host) if isinstance(host, list) else str(host or "")
        path = url.get("path")
        path_text = "/".join(str(p) for p in path) if isinstance(path, list) else str(path or "")
        return f"{host_text}/{path_text}" if path_text else host_text
    return ""


def _pairs(items: Any) -> Iterator[tuple[str, str]]:
    for entry in items or []:
        if isinstance(entry, dict) and not entry.get("disabled"):
            yield str(entry.get("key", "")), str(entry.get("value", ""))


def _check_url(url: Any, where: str, secret_names: Sequence[str]) -> list[Finding]:
    findings: list[Finding] = []
    raw = raw_url(url).strip()
    if not raw.startswith(BASE_URL):
        findings.append(_error("request-base-url", "the request URL must start with {{baseUrl}}", where))
    if isinstance(url, dict) and isinstance(url.get("host"), list) and url["host"] != [BASE_URL]:
        findings.append(_error("request-base-url", "url.host must be ['{{baseUrl}}']", where))
    query = list(_pairs(url.get("query"))) if isinstance(url, dict) else []
    for key, value in query:
        if CREDENTIAL_NAME.search(key) and not only_variables(value):
            findings.append(
                _error("request-literal-credential", f"query parameter '{key}' must be a variable", where)
            )
    for name in template_vars(raw):
        if name != "baseUrl" and is_secret_name(name, secret_names):
            findings.append(
                Finding(
                    severity="warning",
                    code="request-secret-in-url",
                    message=f"credential variable '{name}' sits in the URL",
                    location=where,
                )
            )
    return findings


def _check_auth(auth: Any, where: str) -> list[Finding]:
    findings: list[Finding] = []
    if not isinstance(auth, dict):
        return findings
    kind = str(auth.get("type", ""))
    for entry in auth.get(kind) or []:
        if not isinstance(entry, dict):
            continue
        key, value = str(entry.get("key", "")), entry.get("value", "")
        if key in ("in", "addTokenTo", "headerPrefix", "algorithm", "tokenType", "grant_type", "key"):
            continue
        if isinstance(value, str) and value and not only_variables(value):
            findings.append(
                _error("request-literal-credential", f"auth {kind}.{key} must be a {{{{variable}}}}", where)
            )
    return findings


def check_request(
    request: Any, where: str, secret_names: Sequence[str], allowed_hosts: Sequence[str] | None = None
) -> list[Finding]:
    """Base URL is ``{{baseUrl}}``; credentials only as ``{{variables}}`` in credential fields;
    with ``allowed_hosts``, no URL in the request's data names another host."""
    if isinstance(request, str):
        return _check_url(request, where, secret_names)
    if not isinstance(request, dict):
        return [_error("request-shape", "the request must be an object or a URL string", where)]
    findings = _check_url(request.get("url"), where, secret_names)
    for key, value in _pairs(request.get("header")):
        if (_CREDENTIAL_HEADERS.match(key) or CREDENTIAL_NAME.search(key)) and not only_variables(value):
            findings.append(
                _error("request-literal-credential", f"header '{key}' must be a {{{{variable}}}}", where)
            )
    findings.extend(_check_auth(request.get("auth"), where))
    if allowed_hosts is not None:
        findings.extend(_check_data(request, where, secret_names, allowed_hosts))
    return findings


# Second-level names reserved for documentation (RFC 2606): nobody can own them.
_RESERVED_HOSTS = re.compile(r"(?i)(^|\.)example\.(com|org|net)$")


def _data(request: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, text) of everything a request sends besides its credential fields."""
    url = request.get("url")
    if isinstance(url, dict):
        for part in url.get("path") or []:
            yield "url.path", str(part)
        for key, value in _pairs(url.get("query")):
            if not CREDENTIAL_NAME.search(key):
                yield f"query '{key}'", value
    elif isinstance(url, str):
        yield "url", url.removeprefix(BASE_URL)
    for key, value in _pairs(request.get("header")):
        if not (_CREDENTIAL_HEADERS.match(key) or CREDENTIAL_NAME.search(key)):
            yield f"header '{key}'", value
    body = request.get("body")
    if isinstance(body, dict):
        if isinstance(body.get("raw"), str):
            yield "body", body["raw"]
        for mode in ("urlencoded", "formdata"):
            for key, value in _pairs(body.get(mode)):
                yield f"body '{key}'", value


def _check_data(
    request: dict[str, Any], where: str, secret_names: Sequence[str], allowed_hosts: Sequence[str]
) -> list[Finding]:
    """Request data names no foreign host and carries no credential variable."""
    from agent.boundary.policy_js import host_allowed, urls_in

    findings: list[Finding] = []
    for field, text in _data(request):
        for url in urls_in(text):
            host = url.split("//", 1)[-1].split("/", 1)[0].split("@")[-1].split(":")[0]
            if not host_allowed(url, allowed_hosts) and not _RESERVED_HOSTS.search(host):
                findings.append(
                    _error("request-foreign-host", f"{field} names a host outside the spec", where)
                )
        for name in template_vars(text):
            if name != "baseUrl" and is_secret_name(name, secret_names):
                findings.append(
                    _error(
                        "request-secret-in-data",
                        f"credential variable '{name}' sent as data in {field}",
                        where,
                    )
                )
    return findings


def _texts(item: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield "name", str(item.get("name", ""))
    description = item.get("description")
    if isinstance(description, dict):
        description = description.get("content")
    if description:
        yield "description", str(description)
    request = item.get("request")
    if isinstance(request, dict) and request.get("description"):
        yield "request.description", str(request["description"])


def check_names(item: dict[str, Any], where: str) -> list[Finding]:
    """Names and descriptions carry no injected instructions (they reach PRs and prompts)."""
    from agent.boundary.injection import THRESHOLD, score_spans

    findings: list[Finding] = []
    for field, text in _texts(item):
        rules = sorted({f.rule for f in score_spans(text) if f.score >= THRESHOLD})
        if rules:
            findings.append(
                _error(
                    "injection-in-name",
                    f"{field} reads as an injected instruction ({', '.join(rules)})",
                    f"{where}.{field}",
                )
            )
    return findings
