"""The inbound boundary's entry points: text, logs and spec documents become sanitized values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agent.boundary.inbound.contextual import field_kind
from agent.boundary.inbound.entropy import is_placeholder_value
from agent.boundary.inbound.logstream import MAX_SCORED_CHARS, LogStream
from agent.boundary.inbound.redact import Redactor
from agent.boundary.injection.score import THRESHOLD, InjectionFinding, quarantine, score_spans
from agent.boundary.sealed import Evidence, SanitizedSpec, _seal, _seal_spec
from agent.models import Redaction, SpecDocument
from agent.ports import RawLog

# Under a secret-named property or parameter, the string values of these keys are sample secrets.
_EXAMPLE_KEYS = frozenset({"example", "examples", "default", "value", "x-example", "x-examples", "const"})


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
    """Redact every string (and key) of a spec into a SanitizedSpec; sample secrets are replaced.

    Redactions are appended to ``redactor.report`` with ``origin`` = ``ref#/json/pointer``.
    """
    walker = _SpecWalker(redactor, spec.ref)
    walker.prescan(spec.document)
    document = walker.walk(spec.document, "", secret_kind=None)
    return _seal_spec(spec.ref, spec.version, document)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class _SpecWalker:
    """Depth-first copy of a JSON document with redaction applied."""

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
                found.update(dict.fromkeys(k for k in node if isinstance(k, str)))
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

    def walk(self, node: Any, pointer: str, *, secret_kind: str | None) -> Any:
        if isinstance(node, dict):
            return self._dict(node, pointer, secret_kind)
        if isinstance(node, list):
            return [self.walk(v, f"{pointer}/{i}", secret_kind=secret_kind) for i, v in enumerate(node)]
        if isinstance(node, str):
            return self.text(node, pointer)
        return node

    def _dict(self, node: dict[Any, Any], pointer: str, secret_kind: str | None) -> dict[Any, Any]:
        # A parameter / header object named like a secret: its examples are secrets too.
        name = node.get("name")
        if isinstance(name, str) and "in" in node:
            secret_kind = field_kind(name) or secret_kind
        out: dict[Any, Any] = {}
        for key, value in node.items():
            skey = str(key)
            child = f"{pointer}/{_escape(skey)}"
            new_key = self.text(key, child) if isinstance(key, str) else key
            own = field_kind(skey)
            if isinstance(value, str):
                kind = own or (secret_kind if skey in _EXAMPLE_KEYS else None)
                if kind and len(value) >= 4 and not is_placeholder_value(value):
                    out[new_key] = self.replace(kind, value, child)
                else:
                    out[new_key] = self.text(value, child)
                continue
            # "properties" introduces new names, each judged on its own.
            inherit = own or (None if skey == "properties" else secret_kind)
            out[new_key] = self.walk(value, child, secret_kind=inherit)
        return out
