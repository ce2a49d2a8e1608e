"""Detector.clean (one prefilter scan over many texts) never calls clean what a search alone finds dirty."""

from __future__ import annotations

import gzip
import json
import random

import pytest

from agent.boundary.inbound.redact import Redactor
from agent.boundary.inbound.sanitize import _SpecWalker, sanitize_spec
from agent.models import SpecDocument
from tests.corpora import CORPORA, needs_corpora


def _rows() -> list[str]:
    with gzip.open(CORPORA / "gitleaks.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


@needs_corpora("gitleaks.jsonl.gz")
def test_clean_equals_each_text_searched_alone() -> None:
    redactor = Redactor()
    texts = _rows()
    random.Random(7).shuffle(texts)
    # interleave benign neighbours, multi-line and non-ASCII texts, and empty strings
    mixed = [t for row in texts for t in (row, "type", "", "Ünïcode description\nsecond line")]
    expected = [not redactor.findings(t) for t in mixed]
    got = redactor.clean(mixed)
    # never clean where a secret is (a miss would skip redaction); a prefilter hit that the
    # exact rules then reject only costs a search
    assert not [t for t, ok, want in zip(mixed, got, expected, strict=True) if ok and not want]
    assert sum(got) >= 0.95 * sum(expected)
    assert not all(expected) and any(expected)


def _spec_with_secrets() -> SpecDocument:
    rows = [t for t in _rows() if "\n" not in t][:400]
    paths = {
        f"/r{i}": {
            "get": {
                "summary": row,
                "description": f"line one\n{row}\nline three",
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"example": row}}}
                },
            }
        }
        for i, row in enumerate(rows)
    }
    return SpecDocument(ref="spec.yaml", version="3.0.3", document={"openapi": "3.0.3", "paths": paths})


@needs_corpora("gitleaks.jsonl.gz")
def test_spec_redaction_with_the_prescan_equals_string_by_string(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec_with_secrets()
    fast = Redactor()
    redacted = sanitize_spec(fast, spec)
    monkeypatch.setattr(_SpecWalker, "prescan", lambda self, document: None)
    slow = Redactor()
    reference = sanitize_spec(slow, spec)
    # placeholders number per run in order of appearance, so the documents match exactly
    assert redacted.document == reference.document
    assert [(r.kind, r.origin) for r in fast.report] == [(r.kind, r.origin) for r in slow.report]
    assert len(fast.report) > 100
