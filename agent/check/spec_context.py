"""What checking many proposals against one spec needs, worked out once per spec.

A full-spec run checks thousands of proposals against the same document: the operation
lookup, the converted response schemas and the compiled request validators are the same
every time, so they are built on first use and kept here.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from jsonschema import Draft7Validator

from agent.errors import InputError
from agent.generate import spec_view
from agent.generate.schema_convert import to_json_schema
from agent.models import SpecDocument
from agent.specs.document import Operation, PathIndex, path_index, resolve

_MISSING = object()


class SpecContext:
    """One spec, indexed and memoised for validation; build it once per run and pass it along."""

    def __init__(self, spec: SpecDocument) -> None:
        self.spec = spec
        self.doc: dict[str, Any] = spec.document
        self.paths: PathIndex = path_index(self.doc)
        self.version = spec_view.openapi_version(self.doc)
        self._memo: dict[tuple[str, ...], Any] = {}
        self._keys: dict[int, tuple[Any, str]] = {}

    def match(self, method: str, segments: Sequence[str]) -> tuple[Operation | None, dict[str, str]]:
        """The operation a request line addresses, and its path parameter values."""
        path = self.paths.match(segments, method)
        if path is None:
            return None, {}
        return self.paths.get(method, path), self.paths.path_values(path, segments)

    def _cached(self, key: tuple[str, ...], build: Any) -> Any:
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            found = self._memo[key] = build()
        return found

    def _schema_key(self, raw: Any) -> str:
        """A key equal for equal raw schemas: within one document they convert equally."""
        if not raw or not isinstance(raw, dict | list):
            return json.dumps(raw, default=str)
        # Schemas of the document are long-lived objects: key them by identity first. The entry
        # holds the object itself, so its id() cannot be reused while the entry exists.
        held = self._keys.get(id(raw))
        if held is None or held[0] is not raw:
            held = self._keys[id(raw)] = (raw, json.dumps(raw, sort_keys=True, default=str))
        return held[1]

    def converted(self, raw: Any) -> Any:
        """``raw`` (an OpenAPI schema, refs unresolved) as JSON Schema, once per distinct schema."""
        return self._cached(
            ("converted", self._schema_key(raw)),
            lambda: to_json_schema(self.doc, raw, openapi_version=self.version),
        )

    def response_schema(self, op: Operation, status: str) -> Any:
        """The response schema for ``status`` as the JSON Schema a script must assert (or None)."""

        def build() -> Any:
            _media, media = spec_view.pick_media(spec_view.response(self.doc, op, status).get("content"))
            raw = media.get("schema")
            try:
                top = resolve(self.doc, raw)
            except InputError:
                top = None  # a $ref cycle resolves to {} (any value)
            # No schema, or {} (any value), asserts nothing, as the generator writes it.
            return self.converted(raw) if top else None

        return self._cached(("response", op.key, status), build)

    def request_body(self, op: Operation) -> tuple[bool, str | None, Any]:
        """(required, media type, raw schema or None) of the operation's request body."""

        def build() -> tuple[bool, str | None, Any]:
            body = resolve(self.doc, op.spec.get("requestBody"))
            if not isinstance(body, dict):
                return False, None, None
            media, obj = spec_view.pick_media(body.get("content"))
            return bool(body.get("required")), media, obj.get("schema")

        return self._cached(("body", op.key), build)  # type: ignore[no-any-return]

    def params(self, op: Operation) -> list[dict[str, Any]]:
        """The operation's parameters, resolved."""
        return self._cached(("params", op.key), lambda: spec_view.params(self.doc, op))  # type: ignore[no-any-return]

    def security(self, op: Operation) -> list[dict[str, Any]]:
        """The security schemes that apply to the operation."""
        return self._cached(("security", op.key), lambda: spec_view.security_schemes(self.doc, op))  # type: ignore[no-any-return]

    def credential_fields(self) -> frozenset[tuple[str, str]]:
        """(in, name) of every field the spec's security schemes put a credential in."""
        from agent.generate.requests import credential_fields

        return self._cached(("credential_fields",), lambda: credential_fields(self.doc))  # type: ignore[no-any-return]

    def public_values(self) -> frozenset[str]:
        """The strings the spec lists in an enum or as a const (public, never a secret)."""
        from agent.boundary.outbound.secret_gate import public_values

        return self._cached(("public_values",), lambda: public_values(self.doc))  # type: ignore[no-any-return]

    def validator(self, schema: Any) -> Any:
        """A compiled validator for an OpenAPI schema (raw), once per distinct schema.

        Both kinds (see ``compile_schema``) offer ``iter_errors(value)`` yielding errors
        with a ``message``.
        """
        raw = schema if schema is not None else {}
        return self._cached(("validator", self._schema_key(raw)), lambda: compile_schema(self.converted(raw)))


def compile_schema(schema: Any) -> Any:
    """A draft-07 validator with format checks: jsonschema-rs, or jsonschema where rs refuses it."""
    import jsonschema_rs

    try:
        return jsonschema_rs.Draft7Validator(schema, validate_formats=True, offline=True)
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
        # e.g. a pattern the Rust regex engine does not take; the Python validator still can.
        return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


_CONTEXTS: OrderedDict[int, SpecContext] = OrderedDict()


def context_for(spec: SpecDocument) -> SpecContext:
    """The shared context of ``spec`` (a small cache keyed by document identity)."""
    # The cached context holds the document, so its id() cannot be reused while it is cached.
    found = _CONTEXTS.get(id(spec.document))
    if found is None or found.doc is not spec.document:
        found = _CONTEXTS[id(spec.document)] = SpecContext(spec)
        while len(_CONTEXTS) > 4:
            _CONTEXTS.popitem(last=False)
    else:
        _CONTEXTS.move_to_end(id(spec.document))
    return found
