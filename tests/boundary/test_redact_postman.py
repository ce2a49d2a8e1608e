"""Postman request shapes: a header name is never a secret, a literal credential always is."""

from __future__ import annotations

import json

from agent.boundary.inbound.redact import Redactor
from tests.boundary.redaction_canaries import rand


def test_postman_header_with_variable_is_not_a_finding() -> None:
    red = Redactor()
    pair = {"key": "Authorization", "value": "Bearer {{accessToken}}", "type": "text"}
    assert red.findings(json.dumps(pair)) == []
    assert red.findings(json.dumps({"header": [pair]}, indent=2)) == []
    # The outbound gate's shape: Postman {"key", "value"} pairs scanned as "key: value" lines.
    assert red.findings(f"{pair['key']}: {pair['value']}") == []


def test_literal_bearer_token_is_a_finding() -> None:
    red = Redactor()
    token = rand(40)
    found = red.findings(f"Authorization: Bearer {token}")
    assert [f.kind for f in found] == ["authorization"]
    line = f"Authorization: Bearer {token}"
    assert line[found[0].start : found[0].end] == token
    pair = json.dumps({"key": "Authorization", "value": f"Bearer {token}"})
    spans = [pair[f.start : f.end] for f in red.findings(pair)]
    assert spans == [token]
