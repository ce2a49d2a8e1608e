"""Swagger 2.0 → OpenAPI 3.0 shape, enough for the diff to compare like with like."""

from __future__ import annotations

from typing import Any

from agent.specs.document import HTTP_METHODS

_SCHEMA_FIELDS = (
    "type",
    "format",
    "items",
    "enum",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
)
_REF_MOVES = (
    ("#/definitions/", "#/components/schemas/"),
    ("#/parameters/", "#/components/parameters/"),
    ("#/responses/", "#/components/responses/"),
)


def convert(doc: dict[str, Any]) -> dict[str, Any]:
    """A new OpenAPI 3.0.3 document equivalent (for diffing) to the Swagger 2.0 ``doc``."""
    doc = _rewrite_refs(doc)
    consumes = doc.get("consumes") or ["application/json"]
    produces = doc.get("produces") or ["application/json"]
    shared_params = doc.get("parameters") or {}
    out: dict[str, Any] = {"openapi": "3.0.3", "info": doc.get("info") or {"title": "", "version": ""}}
    host = doc.get("host")
    if host:
        scheme = (doc.get("schemes") or ["https"])[0]
        out["servers"] = [{"url": f"{scheme}://{host}{doc.get('basePath', '')}"}]
    for key in ("security", "tags", "externalDocs"):
        if key in doc:
            out[key] = doc[key]
    out.update({k: v for k, v in doc.items() if k.startswith("x-")})
    paths: dict[str, Any] = {}
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        new_item: dict[str, Any] = {
            k: v for k, v in item.items() if k not in HTTP_METHODS and k != "parameters"
        }
        common = [_param(p, shared_params) for p in item.get("parameters") or []]
        new_item_params = [p for p in common if p.get("in") not in ("body", "formData")]
        if new_item_params:
            new_item["parameters"] = new_item_params
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                body_common = [p for p in common if p.get("in") in ("body", "formData")]
                new_item[method] = _operation(op, body_common, shared_params, consumes, produces)
        paths[str(path)] = new_item
    out["paths"] = paths
    components: dict[str, Any] = {}
    if doc.get("definitions"):
        components["schemas"] = {k: _schema(v) for k, v in doc["definitions"].items()}
    plain = {k: _param(v, {}) for k, v in shared_params.items() if v.get("in") not in ("body", "formData")}
    if plain:
        components["parameters"] = plain
    if doc.get("responses"):
        components["responses"] = {k: _response(v, produces) for k, v in doc["responses"].items()}
    if doc.get("securityDefinitions"):
        components["securitySchemes"] = {k: _security(v) for k, v in doc["securityDefinitions"].items()}
    if components:
        out["components"] = components
    return out


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _rewrite_refs(v) for k, v in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str):
        for old, new in _REF_MOVES:
            if ref.startswith(old):
                out["$ref"] = new + ref[len(old) :]
    return out


def _schema(node: Any) -> Any:
    """x-nullable → nullable, recursively."""
    if isinstance(node, list):
        return [_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _schema(v) for k, v in node.items() if k != "x-nullable"}
    if node.get("x-nullable") is True:
        out["nullable"] = True
    return out


def _deref_param(param: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    ref = param.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/parameters/"):
        found = shared.get(ref.rsplit("/", 1)[-1])
        if isinstance(found, dict):
            return found
    return param


def _param(param: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    param = _deref_param(param, shared)
    if "$ref" in param or param.get("in") in ("body", "formData"):
        return param
    out = {
        k: v
        for k, v in param.items()
        if k not in _SCHEMA_FIELDS and k not in ("collectionFormat", "allowEmptyValue")
    }
    out["schema"] = _schema({k: param[k] for k in _SCHEMA_FIELDS if k in param})
    return out


def _operation(
    op: dict[str, Any],
    body_common: list[dict[str, Any]],
    shared: dict[str, Any],
    consumes: list[str],
    produces: list[str],
) -> dict[str, Any]:
    consumes = op.get("consumes") or consumes
    produces = op.get("produces") or produces
    out = {
        k: v for k, v in op.items() if k not in ("parameters", "responses", "consumes", "produces", "schemes")
    }
    params = [_param(p, shared) for p in op.get("parameters") or []]
    bodies = [*body_common, *(p for p in params if p.get("in") in ("body", "formData"))]
    plain = [p for p in params if p.get("in") not in ("body", "formData")]
    if plain:
        out["parameters"] = plain
    body = next((p for p in bodies if p.get("in") == "body"), None)
    form = [p for p in bodies if p.get("in") == "formData"]
    if body is not None:
        out["requestBody"] = {
            "required": bool(body.get("required")),
            "content": {mt: {"schema": _schema(body.get("schema") or {})} for mt in consumes},
        }
        if body.get("description"):
            out["requestBody"]["description"] = body["description"]
    elif form:
        props = {p["name"]: _schema({k: p[k] for k in _SCHEMA_FIELDS if k in p}) for p in form if "name" in p}
        schema: dict[str, Any] = {"type": "object", "properties": props}
        required = [p["name"] for p in form if p.get("required") and "name" in p]
        if required:
            schema["required"] = required
        mts = [mt for mt in consumes if "form" in mt] or ["application/x-www-form-urlencoded"]
        out["requestBody"] = {"required": bool(required), "content": {mt: {"schema": schema} for mt in mts}}
    out["responses"] = {str(code): _response(r, produces) for code, r in (op.get("responses") or {}).items()}
    return out


def _response(resp: Any, produces: list[str]) -> Any:
    if not isinstance(resp, dict) or "$ref" in resp:
        return resp
    out: dict[str, Any] = {"description": resp.get("description", "")}
    if "schema" in resp:
        out["content"] = {mt: {"schema": _schema(resp["schema"])} for mt in produces}
    if resp.get("headers"):
        out["headers"] = {
            name: {
                "description": h.get("description", ""),
                "schema": {k: h[k] for k in _SCHEMA_FIELDS if k in h},
            }
            for name, h in resp["headers"].items()
            if isinstance(h, dict)
        }
    out.update({k: v for k, v in resp.items() if k.startswith("x-")})
    return out


def _security(scheme: dict[str, Any]) -> dict[str, Any]:
    kind = scheme.get("type")
    if kind == "basic":
        return {"type": "http", "scheme": "basic"}
    if kind == "oauth2":
        flow = {
            "implicit": "implicit",
            "password": "password",
            "application": "clientCredentials",
            "accessCode": "authorizationCode",
        }.get(str(scheme.get("flow")), "implicit")
        body: dict[str, Any] = {k: scheme[k] for k in ("authorizationUrl", "tokenUrl") if k in scheme}
        body["scopes"] = scheme.get("scopes") or {}
        return {"type": "oauth2", "flows": {flow: body}}
    return dict(scheme)
