"""The request side of a proposed Postman item: base URL, credentials, names.

The one implementation of request hygiene: the guard (``policy.check_item``, the LLM
guard's ``RequestPolicy``) and ``validate.collection`` both call ``check_request``. No host
but ``{{baseUrl}}`` is trusted: a spec's ``servers`` are data like the rest of it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from agent.boundary.outbound.js import is_secret_name, template_vars
from agent.models import Finding

BASE_URL = "{{baseUrl}}"
# Header names that carry a credential whatever their value looks like.
CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "x-api-key",
        "api-key",
        "apikey",
        "x-auth-token",
        "x-access-token",
        "x-csrf-token",
        "private-token",
        "x-amz-security-token",
    }
)
# Field names (header, query, collection variable) that hold credentials, matched on the
# snake_cased name. Short words need a word start so that e.g. `footprint` is not `otp`.
_CREDENTIAL_FIELD = re.compile(
    r"token|secret|passw|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|cookie|"
    r"session|bearer|jwt|signature|auth|(?<![a-z])(?:pwd|otp)"
)
# Ordinary names that contain a credential word: authors and pagination cursors.
_NOT_CREDENTIAL = re.compile(r"author(?!i[sz])|(?:page|next|prev|continuation|sync|cursor)[_-]?token")
_VARIABLE = r"\{\{\s*[A-Za-z_][\w.-]*\s*\}\}"
_VARIABLE_VALUE = re.compile(rf"(?i)^\s*(?:(?:bearer|basic|token|digest|apikey|api-key)\s+)?{_VARIABLE}\s*$")
_BARE_VARIABLE = re.compile(rf"^\s*{_VARIABLE}\s*$")
# userinfo after {{baseUrl}} (`{{baseUrl}}user:pass@`) or after any `//`.
_URL_USERINFO = re.compile(r"^\{\{baseUrl\}\}[^/?#]*@|//[^/?#@\s]+@")
# Auth attributes that are settings, not secrets; every other string attribute must be a variable.
_AUTH_SETTING = frozenset({"in", "addTokenTo", "headerPrefix", "algorithm", "tokenType", "grant_type"})


def _error(code: str, message: str, where: str) -> Finding:
    return Finding(severity="error", code=code, message=message, location=where)


def _literal(message: str, where: str) -> Finding:
    return _error("request-literal-credential", message, where)


def _at(where: str, *parts: str | int) -> str:
    """A finer location under a JSON pointer ``where``; the guard's labels stay as given."""
    return "/".join([where, *(str(p) for p in parts)]) if where.startswith("/") else where


def credential_field(name: str) -> bool:
    """A header, query parameter or variable name that holds a credential."""
    if name.strip().lower() in CREDENTIAL_HEADERS:
        return True
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return bool(_CREDENTIAL_FIELD.search(_NOT_CREDENTIAL.sub(" ", snake)))


# (in, name) of the fields a spec's securitySchemes declare (header names lower-cased).
Declared = Collection[tuple[str, str]]


def declared_credential(where: str, name: str, declared: Declared) -> bool:
    """A field a spec's security scheme declares as carrying a credential, or one whose name does."""
    key = name.strip().lower() if where == "header" else name
    return (where, key) in declared or credential_field(name)


def only_variables(value: str) -> bool:
    """A credential value that is one ``{{variable}}``, optionally after an auth scheme word."""
    return bool(_VARIABLE_VALUE.match(value))


# Cookie names that carry a session or a login whatever their wording (on top of credential_field).
_SESSION_COOKIE = re.compile(r"(?i)sess|(?<![a-z])sid(?![a-z])|csrf|xsrf|remember|login|identity|user_?id")


def cookie_pairs(value: str) -> list[tuple[str, str]]:
    """(name, value) of each part of a Cookie header, stripped; a part without ``=`` has name ""."""
    pairs = []
    for part in value.split(";"):
        if part.strip():
            name, sep, rest = part.partition("=")
            pairs.append((name.strip(), rest.strip()) if sep else ("", part.strip()))
    return pairs


def _cookie_allowed(value: str, declared: Declared = ()) -> bool:
    """A Cookie header whose pairs are all fine: a ``{{variable}}`` value, or a literal one
    under a name that is neither credential- nor session-like (a spec's cookie parameter such
    as ``theme=dark``) nor one the spec's securitySchemes put an API key in (``declared``)."""
    pairs = cookie_pairs(value)
    return bool(pairs) and all(
        name
        and (
            bool(_BARE_VARIABLE.match(text))
            or not (
                credential_field(name)
                or ("cookie", name) in declared
                or _SESSION_COOKIE.search(name)
                or "{{" in text
            )
        )
        for name, text in pairs
    )


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
    """(key, value) of the enabled entries: what the request sends."""
    for entry in items or []:
        if isinstance(entry, dict) and not entry.get("disabled"):
            yield str(entry.get("key", "")), str(entry.get("value", ""))


def _entries(items: Any) -> Iterator[tuple[int, str, str]]:
    """(index, key, value) of every entry, disabled ones too: they are committed all the same."""
    for index, entry in enumerate(items if isinstance(items, list) else []):
        if isinstance(entry, dict):
            yield index, str(entry.get("key") or ""), str(entry.get("value") or "")


def _check_url(url: Any, where: str, secret_names: Sequence[str], declared: Declared = ()) -> list[Finding]:
    findings: list[Finding] = []
    raw = raw_url(url).strip()
    if not raw.startswith(BASE_URL):
        # No URL in the message: it may carry the very credential found below.
        findings.append(_error("request-base-url", f"the request URL must start with {BASE_URL}", where))
    if isinstance(url, dict) and isinstance(url.get("host"), list) and url["host"] != [BASE_URL]:
        findings.append(_error("request-base-url", "url.host must be ['{{baseUrl}}']", where))
    if _URL_USERINFO.search(raw):
        findings.append(_literal("credentials embedded in the request URL", where))
    for index, key, value in _entries(url.get("query") if isinstance(url, dict) else None):
        if declared_credential("query", key, declared) and not only_variables(value):
            findings.append(
                _literal(f"query parameter '{key}' must be a {{{{variable}}}}", _at(where, "query", index))
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


def check_auth(auth: Any, where: str) -> list[Finding]:
    """An auth block (request or collection) whose secret attributes are ``{{variables}}``."""
    findings: list[Finding] = []
    if not isinstance(auth, dict):
        return findings
    kind = str(auth.get("type", ""))
    attributes = auth.get(kind)
    for index, entry in enumerate(attributes if isinstance(attributes, list) else []):
        if not isinstance(entry, dict):
            continue
        key, value = str(entry.get("key", "")), entry.get("value", "")
        # In apikey auth `key` names the header or query parameter (`value` is the secret);
        # elsewhere a `key` attribute is a secret.
        if key in _AUTH_SETTING or (kind == "apikey" and key == "key"):
            continue
        if isinstance(value, str) and value and not only_variables(value):
            findings.append(
                _literal(f"auth {kind}.{key} must be a {{{{variable}}}}", _at(where, kind, index))
            )
    return findings


def _check_headers(headers: Any, where: str, declared: Declared = ()) -> list[Finding]:
    findings: list[Finding] = []
    for index, key, value in _entries(headers):
        if not declared_credential("header", key, declared) or only_variables(value):
            continue
        if key.strip().lower() == "cookie" and _cookie_allowed(value, declared):
            continue
        findings.append(_literal(f"header '{key}' must be a {{{{variable}}}}", _at(where, index)))
    return findings


def check_request(
    request: Any,
    where: str,
    secret_names: Sequence[str],
    *,
    check_data: bool = False,
    declared: Declared = (),
) -> list[Finding]:
    """Base URL is ``{{baseUrl}}``; credentials only as ``{{variables}}`` in credential fields;
    with ``check_data``, no URL in the request's data names a host (the spec's servers are
    data too: the one host a test reaches is ``{{baseUrl}}``, from the user's configuration).

    ``declared`` holds the (in, name) pairs the spec's ``securitySchemes`` put credentials in
    (``generate.requests.credential_fields``): such a field is judged as a credential whatever
    its name (an API key in header ``project_id``), never as data.

    ``where`` labels every finding; a JSON pointer (``/item/0/request``) is extended to the
    offending field (``/item/0/request/header/2``).
    """
    if isinstance(request, str):
        return _check_url(request, where, secret_names, declared)
    if not isinstance(request, dict):
        return [_error("request-shape", "the request must be an object or a URL string", where)]
    findings = _check_url(request.get("url"), _at(where, "url"), secret_names, declared)
    findings.extend(_check_headers(request.get("header"), _at(where, "header"), declared))
    findings.extend(check_auth(request.get("auth"), _at(where, "auth")))
    if check_data:
        findings.extend(_check_data(request, where, secret_names, declared))
    return findings


# Second-level names reserved for documentation (RFC 2606): nobody can own them.
_RESERVED_HOSTS = re.compile(r"(?i)(^|\.)example\.(com|org|net)$")


def _data(request: dict[str, Any], declared: Declared) -> Iterator[tuple[str, str]]:
    """(field, text) of everything a request sends besides its credential fields."""
    url = request.get("url")
    if isinstance(url, dict):
        for part in url.get("path") or []:
            yield "url.path", str(part)
        for key, value in _pairs(url.get("query")):
            if not declared_credential("query", key, declared):
                yield f"query '{key}'", value
    elif isinstance(url, str):
        yield "url", url.removeprefix(BASE_URL)
    for key, value in _pairs(request.get("header")):
        if not declared_credential("header", key, declared):
            yield f"header '{key}'", value
    body = request.get("body")
    if isinstance(body, dict):
        if isinstance(body.get("raw"), str):
            yield "body", body["raw"]
        for mode in ("urlencoded", "formdata"):
            for key, value in _pairs(body.get(mode)):
                yield f"body '{key}'", value


def _check_data(
    request: dict[str, Any], where: str, secret_names: Sequence[str], declared: Declared
) -> list[Finding]:
    """Request data names no host (reserved example hosts aside) and carries no credential
    variable; ``{{baseUrl}}``-relative URLs name none."""
    from agent.boundary.outbound.js import urls_in

    findings: list[Finding] = []
    for field, text in _data(request, declared):
        for url in urls_in(text):
            host = url.split("//", 1)[-1].split("/", 1)[0].split("@")[-1].split(":")[0]
            if not _RESERVED_HOSTS.search(host):
                findings.append(
                    _error("request-foreign-host", f"{field} names a host other than {BASE_URL}", where)
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
    from agent.boundary.injection.score import THRESHOLD, score_spans

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
