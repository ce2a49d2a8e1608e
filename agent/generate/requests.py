"""The request half of a Postman item: URL on ``{{baseUrl}}``, parameters, auth variables, body."""

from __future__ import annotations

import random
import re
from typing import Any
from urllib.parse import quote

from agent.generate import spec_view
from agent.generate.data import param_value, sample
from agent.generate.schema_convert import to_json_schema
from agent.generate.variables import VariableTable, text
from agent.jsontext import pretty
from agent.specs.document import Operation, deref_schema, resolve

REDACTION_MARKS = ("[REDACTED", "{{canary", "<redacted", "***")
_WHOLE_VARIABLE = re.compile(r"\{\{[A-Za-z][A-Za-z0-9_]*\}\}")


def usable(observed: Any, param: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether a value seen in a log may be replayed: not redacted and valid for the parameter."""
    from jsonschema import Draft7Validator  # slow to import (rfc3987-syntax); only regressions need it

    if not isinstance(observed, str) or any(mark in observed for mark in REDACTION_MARKS):
        return False
    schema = to_json_schema(doc, param.get("schema") or {}, openapi_version=spec_view.openapi_version(doc))
    candidate: Any = observed
    kind = schema.get("type") if isinstance(schema, dict) else None
    try:
        if kind == "integer":
            candidate = int(observed)
        elif kind == "number":
            candidate = float(observed)
        elif kind == "boolean":
            candidate = {"true": True, "false": False}[observed]
    except (ValueError, KeyError):
        return False
    return bool(Draft7Validator(schema).is_valid(candidate))


# The variables that carry each kind of credential; the runner's one run-time credential reaches
# all of them through the collection's variables (``postman.CREDENTIAL_VARIABLES``).
BEARER_VARIABLE, BASIC_VARIABLE, API_KEY_VARIABLE = "accessToken", "basicAuth", "apiKey"
# An API behind AWS IAM (API Gateway's `x-amazon-apigateway-authtype: awsSigv4`) is signed by
# Postman's awsv4 auth at run time: awsv4 attribute -> the variable that fills it (an
# aws-web-identity source fills all five; the first three are secrets).
AWS_VARIABLES = {
    "accessKey": "awsAccessKeyId",
    "secretKey": "awsSecretAccessKey",
    "sessionToken": "awsSessionToken",
    "region": "awsRegion",
    "service": "awsService",
}


def sigv4(scheme: dict[str, Any]) -> bool:
    """Whether a security scheme is AWS Signature Version 4 (API Gateway's IAM authorisation)."""
    return str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4"


def awsv4_auth() -> dict[str, Any]:
    """Postman's awsv4 auth block, every attribute a ``{{variable}}``."""
    attributes = [{"key": k, "value": f"{{{{{v}}}}}", "type": "string"} for k, v in AWS_VARIABLES.items()]
    return {"type": "awsv4", "awsv4": attributes}


def _placement(scheme: dict[str, Any]) -> tuple[str, str, str]:
    """(in, name, value) where a security scheme's credential goes, always as a ``{{variable}}``."""
    kind = str(scheme.get("type", "")).lower()
    if kind == "apikey":
        where = str(scheme.get("in") or "header").lower()
        name = str(scheme.get("name") or "X-API-Key")
        return (where if where in ("query", "cookie") else "header"), name, f"{{{{{API_KEY_VARIABLE}}}}}"
    if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
        return "header", "Authorization", f"Basic {{{{{BASIC_VARIABLE}}}}}"
    # http bearer (and other http schemes), oauth2 and openIdConnect: a bearer token at run time
    return "header", "Authorization", f"Bearer {{{{{BEARER_VARIABLE}}}}}"


def credential_fields(doc: dict[str, Any]) -> frozenset[tuple[str, str]]:
    """(in, name) of every place the spec's ``securitySchemes`` put a credential; header names
    lower-cased. The outbound gate treats these as credential fields whatever their name."""
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    out: set[tuple[str, str]] = set()
    for raw in schemes.values() if isinstance(schemes, dict) else []:
        scheme = resolve(doc, raw)
        if isinstance(scheme, dict):
            where, name, _ = _placement(scheme)
            out.add((where, name.lower() if where == "header" else name))
    return frozenset(out)


def auth_parts(doc: dict[str, Any], op: Operation) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Headers and query entries that carry the operation's credentials, as ``{{variables}}``."""
    headers: list[dict[str, str]] = []
    query: list[dict[str, str]] = []
    for scheme in spec_view.security_schemes(doc, op):
        if sigv4(scheme):
            continue  # newman's awsv4 auth writes the signature headers (``awsv4_auth``)
        where, name, value = _placement(scheme)
        if where == "query":
            query.append({"key": name, "value": value})
        elif where == "cookie":
            headers.append({"key": "Cookie", "value": f"{name}={value}"})
        elif all(h["key"].lower() != name.lower() for h in headers):  # one Authorization header
            headers.append({"key": name, "value": value})
    return headers, query


def build_request(
    doc: dict[str, Any],
    op: Operation,
    rng: random.Random,
    details: dict[str, Any],
    expected_status: str,
    names: VariableTable | None = None,
    used: dict[str, tuple[str, bool]] | None = None,
) -> dict[str, Any]:
    """A Postman v2.1 request for ``op`` shaped by an intent's details (omit / set / observed).

    With ``names``, path and query values are ``{{variables}}`` (a value the intent sets on
    purpose stays literal); ``used`` gets each one's default and whether it came from a log.
    """
    omit = details.get("omit") or {}
    setter = details.get("set") or {}
    observed = details.get("observed") or {}
    path_values: dict[str, str] = {}
    query: list[dict[str, str]] = []
    headers: list[dict[str, str]] = []
    for param in spec_view.params(doc, op):
        where, name = str(param.get("in")), str(param.get("name"))
        if omit.get("in") == where and omit.get("name") == name:
            continue
        seen = (
            (observed.get("path") or {}).get(name)
            if where == "path"
            else ((observed.get("query") or {}).get(name) if where == "query" else None)
        )
        targeted = setter.get("in") == where and setter.get("name") == name
        if not (param.get("required") or targeted or seen is not None):
            continue
        variable = names.get(op, where, name) if names is not None and not targeted else None
        if variable is not None:
            from_log = seen is not None and usable(seen, param, doc)
            if used is not None:
                used[variable.name] = (str(seen), True) if from_log else (variable.default, False)
            value: Any = "{{" + variable.name + "}}"
        elif targeted:
            value = setter.get("value")
        elif seen is not None and usable(seen, param, doc):
            value = seen
        else:
            # the schema's refs are inlined first: sampling {"$ref": ...} gave a random string
            schema = param.get("schema")
            value = param_value({**param, "schema": deref_schema(doc, schema)} if schema else param, rng)
        if where == "path":
            path_values[name] = text(value)
        elif where == "query":
            query.append({"key": name, "value": text(value)})
        elif where == "header":
            headers.append({"key": name, "value": text(value)})
        elif where == "cookie":
            headers.append({"key": "Cookie", "value": f"{name}={text(value)}"})
    auth: dict[str, Any] | None = None
    if omit.get("in") != "auth":
        auth_headers, auth_query = auth_parts(doc, op)
        headers = auth_headers + headers
        query = query + auth_query
        auth = awsv4_auth() if any(sigv4(s) for s in spec_view.security_schemes(doc, op)) else None
    media, _ = spec_view.response_media(
        doc, op, expected_status if expected_status[:1] == "2" else spec_view.success_status(op)
    )
    if media:
        headers.append({"key": "Accept", "value": media})
    request: dict[str, Any] = {
        "method": op.method.upper(),
        "header": headers,
        "url": _url(op.path, path_values, query),
        **({"auth": auth} if auth else {}),
    }
    body = _body(doc, op, rng, omit, setter)
    if body is not None:
        request["header"] += body[0]
        request["body"] = body[1]
    return request


def _url(template: str, values: dict[str, str], query: list[dict[str, str]]) -> dict[str, Any]:
    segments = []
    for raw in template.strip("/").split("/"):
        for name, value in values.items():
            whole = _WHOLE_VARIABLE.fullmatch(value)  # a {{variable}} stays one, unquoted
            raw = raw.replace("{" + name + "}", value if whole else quote(value, safe=""))
        if raw:
            segments.append(raw)
    if template.endswith("/") and segments:  # "/.well-known/openid-configuration/": kept, as a mock routes it
        segments.append("")  # Postman's form of a trailing slash
    raw_url = "{{baseUrl}}/" + "/".join(segments)
    if query:
        raw_url += "?" + "&".join(
            f"{quote(q['key'], safe='{}')}={quote(q['value'], safe='{}')}" for q in query
        )
    url: dict[str, Any] = {"raw": raw_url, "host": ["{{baseUrl}}"], "path": segments}
    if query:
        url["query"] = [{"key": q["key"], "value": q["value"]} for q in query]
    return url


def _body(
    doc: dict[str, Any], op: Operation, rng: random.Random, omit: dict[str, Any], setter: dict[str, Any]
) -> tuple[list[dict[str, str]], dict[str, Any]] | None:
    """(Content-Type header, Postman body) for the operation's request body, shaped by the intent.

    Multipart gets no Content-Type of ours: newman writes it with the boundary it uses (Prism
    refuses a multipart body whose header names none, with 415)."""
    _required, media, schema = spec_view.request_body(doc, op)
    if media is None or (omit.get("in") == "body" and "property" not in omit):
        return None
    value = sample(schema or {}, rng)
    if isinstance(value, dict):
        value = dict(value)  # it may be the spec's own (shared, read-only) example
        if omit.get("in") == "body":
            value.pop(str(omit.get("property")), None)
        if setter.get("in") == "body":
            value[str(setter.get("property"))] = setter.get("value")
    base = media.split(";")[0].strip().lower()
    if base in ("*/*", "application/*"):  # Swagger 2.0's "consumes: */*": any type, so JSON
        media = base = "application/json"
    if base == "application/x-www-form-urlencoded" and isinstance(value, dict):
        pairs = [{"key": str(k), "value": text(v)} for k, v in value.items()]
        return [{"key": "Content-Type", "value": media}], {"mode": "urlencoded", "urlencoded": pairs}
    if base == "multipart/form-data" and isinstance(value, dict):
        fields = [{"key": str(k), "value": text(v), "type": "text"} for k, v in value.items()]
        return [], {"mode": "formdata", "formdata": fields}
    raw = pretty(value, sort_keys=True, ensure_ascii=True) if "json" in base else text(value)
    options = {"raw": {"language": "json" if "json" in base else "text"}}
    return [{"key": "Content-Type", "value": media}], {"mode": "raw", "raw": raw, "options": options}
