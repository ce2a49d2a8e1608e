"""The inbound boundary's entry points: text, logs and spec documents become sanitized values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agent.boundary.inbound.contextual import field_kind, field_secret
from agent.boundary.inbound.entropy import is_placeholder_value
from agent.boundary.inbound.logstream import MAX_SCORED_CHARS, LogStream
from agent.boundary.inbound.redact import Redactor
from agent.boundary.injection.score import THRESHOLD, InjectionFinding, quarantine, score_spans
from agent.boundary.sealed import Evidence, SanitizedSpec, _seal, _seal_spec
from agent.models import Redaction, SpecDocument
from agent.ports import RawLog


def sanitize_text(redactor: Redactor, text: str, origin: str) -> Evidence:
    """Redact one untrusted text (a PR comment, a spec description), then quarantine injected spans."""
    clean, made = redactor.redact(text, origin=origin)
    held, findings = quarantine(clean)
    return _seal(held, origin, made, quarantined=sum(1 for f in findings if f.score >= THRESHOLD))


def suspicious(evidence: Evidence, *, limit: int = MAX_SCORED_CHARS) -> list[tuple[InjectionFinding, str]]:
    """Injection findings in (already redacted) evidence, each with its span, for the audit trail.

    Logs are not rewritten: they never reach a prompt unfenced, and the signal extractor reads
    them as data. Scoring is bounded to the first ``limit`` characters (the scorer is not a
    streaming engine), which covers ordinary task logs.
    """
    text = evidence.text[:limit]
    return [(f, text[f.start : f.end][:500]) for f in score_spans(text) if f.score >= THRESHOLD]


def sanitize_log(redactor: Redactor, raw: RawLog) -> Evidence:
    """Stream a raw log through the redactor and seal the whole result (small logs, tests).

    The pipeline reads logs with :func:`stream_log` instead, which never holds a whole log.
    """
    before = len(redactor.report)
    text = "".join(redactor.stream(raw.chunks, origin=raw.name))
    return _seal(text, raw.name, redactor.report[before:], quarantined=0)


def stream_log(
    redactor: Redactor, raw: RawLog, *, terms: Iterable[str] = (), score_limit: int = MAX_SCORED_CHARS
) -> LogStream:
    """A raw log as a one-pass stream of redacted lines, in bounded memory.

    While its lines are read, the first ``score_limit`` characters are scored for injected
    instructions (``.suspects``, each with its line number) and the lines around those that
    mention any of ``terms`` are kept; ``.excerpt()`` seals them as Evidence.
    """
    return LogStream(redactor, raw, terms=terms, score_limit=score_limit)


def sanitize_spec(redactor: Redactor, spec: SpecDocument) -> SanitizedSpec:
    """Redact the secrets in a spec's values into a SanitizedSpec; its structure is never rewritten.

    Keys, ``$ref``s, enum values, names, operationIds, paths, types and patterns are what the
    product (and the mock) needs, so only values that are data are read: samples (``example``,
    ``examples``, ``default``, whole), ``x-*`` strings, prose (descriptions, summaries,
    titles) and URLs (servers, token endpoints). A sample under a secret-named parameter or
    property is replaced whole when it reads as a secret; one the schema lists in its ``enum``
    is public. Redactions are appended to ``redactor.report`` with ``origin`` = ``ref#/pointer``.
    """
    walker = _SpecWalker(redactor, spec.ref)
    walker.prescan(spec.document)
    document = walker.structure(spec.document, "", None)
    # problems are JSON paths and messages, never values: they stay with the spec
    return _seal_spec(spec.ref, spec.version, document, spec.problems)


# Keys whose value is sample data, read whole (keys inside it are kept: components/examples names
# are $ref targets); a property or response named so sits in a name map and stays structure.
_SAMPLE_KEYS = frozenset({"example", "examples", "x-example", "x-examples", "default", "value"})
# Keys whose string value is prose or a URL (servers, OAuth endpoints, docs); so is an ``x-*``
# extension's string (extension objects, such as GitHub's ``x-webhooks``, are walked as structure).
_TEXT_KEYS = frozenset(
    {"description", "summary", "title", "url", "authorizationUrl", "tokenUrl", "refreshUrl"}
    | {"openIdConnectUrl", "termsOfService", "externalValue", "email", "host"}
)
# String fields OpenAPI reads as structure even inside an ``x-*`` object (GitHub's ``x-webhooks``).
_NAMING = frozenset(
    {"$ref", "operationId", "name", "in", "type", "format", "pattern", "propertyName", "style", "scheme"}
    | {"bearerFormat", "openapi", "version", "contentType"}
)
# Objects whose keys are names (of properties, responses, media types, ...), never keywords.
_NAME_MAPS = frozenset(
    {"properties", "patternProperties", "schemas", "definitions", "responses", "parameters"}
    | {"securitySchemes", "headers", "links", "callbacks", "requestBodies", "pathItems", "paths"}
    | {"content", "encoding", "variables", "webhooks", "mapping", "securityDefinitions"}
)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class _SpecWalker:
    """Depth-first copy of a spec with its data values redacted and its structure kept."""

    def __init__(self, redactor: Redactor, ref: str) -> None:
        self.redactor = redactor
        self.ref = ref
        # Strings the detector found nothing in; specs repeat most of theirs ("type", "string",
        # "description", the same summaries), and a string with no secret has none next time.
        self._clean: set[str] = set()

    def prescan(self, document: Any) -> None:
        """Mark the document's clean strings with one detector pass over all of them."""
        found: dict[str, None] = {}
        stack = [document]
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                found[node] = None
            elif isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        texts = list(found)
        self._clean.update(t for t, ok in zip(texts, self.redactor.clean(texts), strict=True) if ok)

    def text(self, value: str, pointer: str) -> str:
        if value in self._clean:
            return value
        clean, made = self.redactor.redact(value, origin=f"{self.ref}#{pointer}", first_line=1)
        if not made:
            self._clean.add(value)
        return clean

    def replace(self, kind: str, value: str, pointer: str) -> str:
        """Replace a whole field value (a sample secret) by its placeholder."""
        ph = self.redactor.placeholder(kind, value)
        self.redactor.report.append(Redaction(kind=kind, placeholder=ph, origin=f"{self.ref}#{pointer}"))
        return ph

    def structure(
        self, node: Any, pointer: str, secret_name: str | None, *, names: bool = False, ext: bool = False
    ) -> Any:
        """Copy structure: strings kept, data values under it (samples, prose, URLs) redacted.

        ``names``: ``node`` is a map of names (properties, responses, ...); ``secret_name``: the
        secret-like name of the parameter or property whose samples these are; ``ext``: inside an
        ``x-*`` extension, whose strings are vendor data (read) unless OpenAPI names them.
        """
        if isinstance(node, list):
            return [self.structure(v, f"{pointer}/{i}", secret_name, ext=ext) for i, v in enumerate(node)]
        if not isinstance(node, dict):
            return node
        if names:
            # Each name is judged on its own ("properties": {"api_key": {...}}).
            return {
                k: self.structure(
                    v, f"{pointer}/{_escape(str(k))}", str(k) if field_kind(str(k)) else None, ext=ext
                )
                for k, v in node.items()
            }
        name = node.get("name")
        if isinstance(name, str) and "in" in node and field_kind(name):
            secret_name = name  # a parameter or header named like a secret: its samples are too
        enum = node.get("enum")
        public = {v for v in enum if isinstance(v, str)} if isinstance(enum, list) else set()
        out: dict[Any, Any] = {}
        for key, value in node.items():
            skey = str(key)
            child = f"{pointer}/{_escape(skey)}"
            extension = ext or skey.startswith("x-")
            if skey in _SAMPLE_KEYS:
                kept = isinstance(value, str) and value in public
                out[key] = value if kept else self.sample(value, child, secret_name)
            elif isinstance(value, str) and (skey in _TEXT_KEYS or (extension and skey not in _NAMING)):
                out[key] = self.text(value, child)
            elif skey == "scopes" and isinstance(value, dict):  # OAuth2 scope name -> its description
                out[key] = {
                    k: self.structure(v, child, None)
                    if not isinstance(v, str)
                    else self.text(v, f"{child}/{_escape(str(k))}")
                    for k, v in value.items()
                }
            else:
                out[key] = self.structure(value, child, secret_name, names=skey in _NAME_MAPS, ext=extension)
        return out

    def sample(self, node: Any, pointer: str, secret_name: str | None) -> Any:
        """Copy sample data: every string is read; one under a secret-like field name may go whole."""
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                # A field's own name counts; the sample's owner only down to its example values.
                keep = k in _SAMPLE_KEYS or (isinstance(v, dict) and "value" in v)
                own = str(k) if field_kind(str(k)) else secret_name if keep else None
                out[k] = self.sample(v, f"{pointer}/{_escape(str(k))}", own)
            return out
        if isinstance(node, list):
            return [self.sample(v, f"{pointer}/{i}", secret_name) for i, v in enumerate(node)]
        if not isinstance(node, str):
            return node
        kind = field_secret(secret_name, node) if secret_name and len(node) >= 4 else None
        if kind and not is_placeholder_value(node):
            return self.replace(kind, node, pointer)
        return self.text(node, pointer)
