"""A failing item keeps its response status and a short, redacted body excerpt (no Node needed)."""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

import pytest

from agent.boundary.inbound.redact import Redactor
from agent.runner.report import MAX_EXCERPT, READ_BYTES, ItemOutcome, VerifyReport, apply_run


def _canary() -> str:
    """A GitHub-token-shaped value made at run time (never a literal in the source)."""
    alphabet = string.ascii_letters + string.digits
    return "gh" + "p_" + "".join(secrets.choice(alphabet) for _ in range(36))


def _run(item_id: str, code: int, body: bytes, *, failed: bool = True) -> dict[str, Any]:
    execution = {
        "id": "e1",
        "item": {"id": item_id},
        "response": {"code": code, "responseTime": 3, "stream": {"type": "Buffer", "data": list(body)}},
        "assertions": [{"assertion": "status is 200"}],
    }
    error = {"test": "status is 200", "message": f"expected {code} to be 200"}
    failures = [{"source": {"id": item_id}, "error": error}]
    return {"run": {"executions": [execution], "failures": failures if failed else []}}


def _fold(code: int, body: bytes, *, failed: bool = True) -> ItemOutcome:
    items = {"a": ItemOutcome("a", "a")}
    redactor = Redactor()
    apply_run(
        _run("a", code, body, failed=failed), items, lambda s: s, redact=lambda t: redactor.redact(t)[0]
    )
    return items["a"]


@pytest.mark.parametrize(
    ("where", "body"),
    [
        ("json field", lambda c: json.dumps({"error": "bad key", "token": c}).encode()),
        ("nested json", lambda c: json.dumps({"detail": [{"msg": f"key {c} refused"}]}, indent=4).encode()),
        ("plain text", lambda c: f"Unauthorized: Bearer {c}\n".encode()),
        ("html", lambda c: f"<html><body><p>api_key={c}</p></body></html>".encode()),
    ],
)
def test_excerpt_of_a_failing_response_is_redacted(where: str, body: Any) -> None:
    canary = _canary()
    outcome = _fold(422, body(canary))
    assert outcome.response is not None and outcome.response.status == 422, where
    assert canary not in outcome.response.excerpt and canary[4:20] not in outcome.response.excerpt
    assert "[REDACTED:" in outcome.response.excerpt
    dumped = json.dumps(VerifyReport(items={"a": outcome}).to_dict())
    assert canary not in dumped and '"status": 422' in dumped
    assert VerifyReport(items={"a": outcome}).result().responses["a"].status == 422


def test_excerpt_is_one_line_of_compact_json_cut_short() -> None:
    body = json.dumps({"detail": "x " * 5000, "code": "invalid"}, indent=2).encode()
    outcome = _fold(400, body)
    assert outcome.response is not None
    excerpt = outcome.response.excerpt
    assert len(excerpt) == MAX_EXCERPT and excerpt.endswith("…") and "\n" not in excerpt
    small = _fold(422, json.dumps({"a": 1}, indent=4).encode())
    assert small.response is not None and small.response.excerpt == '{"a":1}'


def test_a_secret_at_the_read_edge_is_never_kept_in_part() -> None:
    canary = _canary()
    body = (b"x" * (READ_BYTES - 10)) + canary.encode()  # the read cuts the token
    outcome = _fold(500, body)
    assert outcome.response is not None and len(outcome.response.excerpt) <= MAX_EXCERPT
    assert canary[:10] not in outcome.response.excerpt


@pytest.mark.parametrize("body", [b"", b"\xff\xfe not utf-8 \x00"])
def test_empty_or_binary_bodies_give_a_status_and_a_safe_excerpt(body: bytes) -> None:
    outcome = _fold(503, body)
    assert outcome.response is not None and outcome.response.status == 503
    assert "\x00" not in outcome.response.excerpt


def test_passing_items_and_runs_without_a_redactor_keep_no_body() -> None:
    assert _fold(200, b'{"ok": true}', failed=False).response is None
    items = {"a": ItemOutcome("a", "a")}
    apply_run(_run("a", 422, b'{"error": "x"}'), items, lambda s: s)  # no redactor: no excerpt at all
    assert items["a"].response is not None and items["a"].response.excerpt == ""
