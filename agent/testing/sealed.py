"""Sealed values for tests and evals, made by the real inbound boundary (never forged).

``evidence("GET /pets -> 500")`` is what the pipeline would hand the LLM generator for that
log text: redacted by a fresh :class:`Redactor` and sealed by ``boundary.inbound.sanitize``.
"""

from __future__ import annotations

from agent.boundary.inbound.redact import Redactor
from agent.boundary.inbound.sanitize import sanitize_log, sanitize_spec, sanitize_text
from agent.boundary.sealed import Evidence, SanitizedSpec
from agent.models import Provenance, SpecDocument
from agent.ports import RawLog


def evidence(text: str, origin: str = "test.log", *, redactor: Redactor | None = None) -> Evidence:
    """``text`` read as a log: redacted (not quarantined, as logs are) and sealed."""
    return sanitize_log(redactor or Redactor(), RawLog(origin, Provenance(), [text]))


def text_evidence(text: str, origin: str = "test", *, redactor: Redactor | None = None) -> Evidence:
    """``text`` read as a short untrusted text (a comment): redacted, injected spans quarantined."""
    return sanitize_text(redactor or Redactor(), text, origin)


def sanitized(spec: SpecDocument, *, redactor: Redactor | None = None) -> SanitizedSpec:
    """``spec`` with every string redacted, as the pipeline loads it."""
    return sanitize_spec(redactor or Redactor(), spec)
