"""Spec examples that break their own schema: a mock serves them, and a right test then fails.

Prism answers a request with the response's example. When the spec's example does not satisfy
the spec's schema (Jira's examples are JSON text inside a string: ``"{\\"key\\": …}"`` where an
object is declared), a test asserting that schema fails through no fault of its own. Such
examples are found by validating each served example against its schema, and tests that fail
only on the body of such a response are the spec's failures, reported with the operation and
the example's JSON pointer (``spec-example-invalid``), never counted as ours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agent.check.spec_context import SpecContext
from agent.errors import InputError
from agent.generate import spec_view
from agent.specs.document import Operation, resolve

CODE = "spec-example-invalid"
_MESSAGE = 120  # characters of the schema error kept (the example is the spec's: public, but long)


@dataclass(frozen=True)
class BadExample:
    """A served example that fails its schema: where it is and the first reason."""

    operation: str  # "GET /path"
    status: str
    pointer: str  # JSON pointer of the example in the spec
    reason: str

    def message(self) -> str:
        """One line naming the operation, the status and the example's pointer."""
        return (
            f"{self.operation} {self.status}: the spec's example at {self.pointer} fails the spec's own "
            f"response schema ({self.reason}); the mock serves it, so the test cannot pass against it"
        )


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(*tokens: str) -> str:
    return "/" + "/".join(_escape(t) for t in tokens)


def served_example(doc: dict[str, Any], op: Operation, status: str) -> tuple[str, Any] | None:
    """(pointer, value) of the example a mock serves for ``status``: the media type's ``example``,
    else its first ``examples`` entry, else the schema's own ``example``; None without one."""
    responses = op.spec.get("responses") or {}
    key = next((k for k in (status, f"{status[:1]}XX", f"{status[:1]}xx", "default") if k in responses), None)
    if key is None:
        return None
    where = ["paths", op.path, op.method, "responses", key]
    raw = responses[key]
    if isinstance(raw, dict) and isinstance(raw.get("$ref"), str) and raw["$ref"].startswith("#/"):
        where = [t.replace("~1", "/").replace("~0", "~") for t in raw["$ref"][2:].split("/")]
    media, obj = spec_view.pick_media(spec_view.response(doc, op, status).get("content"))
    if media is None:
        return None
    if "example" in obj:
        return _pointer(*where, "content", media, "example"), obj["example"]
    examples = obj.get("examples")
    if isinstance(examples, dict) and examples:
        name, first = next(iter(examples.items()))
        first = resolve(doc, first)
        if isinstance(first, dict) and "value" in first:
            return _pointer(*where, "content", media, "examples", str(name), "value"), first["value"]
    schema = obj.get("schema")
    target = resolve(doc, schema) if isinstance(schema, dict) else None
    if isinstance(target, dict) and "example" in target:
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if isinstance(ref, str) and ref.startswith("#/"):
            return ref[1:] + "/example", target["example"]
        return _pointer(*where, "content", media, "schema", "example"), target["example"]
    return None


def bad_example(ctx: SpecContext, op: Operation, status: str) -> BadExample | None:
    """The example served for ``op``'s ``status`` when it fails the response schema, else None."""
    try:
        found = served_example(ctx.doc, op, status)
    except InputError:
        return None  # a $ref that does not resolve: the check stage reports the spec's problems
    if found is None:
        return None
    _media, media = spec_view.pick_media(spec_view.response(ctx.doc, op, status).get("content"))
    schema = media.get("schema")
    if schema is None or ctx.response_schema(op, status) is None:
        return None
    error = next(iter(ctx.validator(schema).iter_errors(found[1])), None)
    if error is None:
        return None
    return BadExample(op.key, status, found[0], _reason(error))


def _reason(error: Any) -> str:
    """The schema error without the value it quotes (a whole example can be the value), and where."""
    text = " ".join(str(getattr(error, "message", error)).split())
    instance = getattr(error, "instance", None)
    compact = json.dumps(instance, separators=(",", ":"), sort_keys=True)
    for shown in (compact, json.dumps(instance), repr(instance)):
        if text.startswith(shown):
            text = "the value" + text[len(shown) :]
            break
    where = "/".join(str(p) for p in getattr(error, "instance_path", None) or [])
    text = f"at /{where}: {text}" if where else text
    return text if len(text) <= _MESSAGE else text[: _MESSAGE - 1] + "…"


def item_bad_example(ctx: SpecContext, item: dict[str, Any]) -> BadExample | None:
    """The bad example a mock serves for a Postman item's request (its operation's success status)."""
    request = item.get("request")
    if not isinstance(request, dict):
        return None
    url = request.get("url")
    path = url.get("path") if isinstance(url, dict) else None
    if not isinstance(path, list):
        return None
    op, _values = ctx.match(str(request.get("method") or "get").lower(), [str(s) for s in path])
    return bad_example(ctx, op, spec_view.success_status(op)) if op is not None else None
