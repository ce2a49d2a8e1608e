"""The outbound secret gate over a proposal's item: literal tokens refused, variables allowed."""

from __future__ import annotations

import secrets
import string
from typing import Any

from agent.boundary.inbound.redact import Redactor
from agent.boundary.outbound.secret_gate import secret_findings
from agent.models import Intent, IntentKind, Proposal


def proposal(header_value: str, script: str = "pm.test('ok', () => {});") -> Proposal:
    intent = Intent(
        kind=IntentKind.HAPPY_PATH,
        operation="GET /pets",
        path="/pets",
        method="GET",
        expected_status="200",
        text="t",
        fingerprint="f" * 16,
    )
    item: dict[str, Any] = {
        "id": "pw-" + "f" * 16,
        "name": "GET /pets",
        "request": {
            "method": "GET",
            "header": [{"key": "Authorization", "value": header_value}],
            "url": {"raw": "{{baseUrl}}/pets", "host": ["{{baseUrl}}"], "path": ["pets"]},
        },
        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": [script]}}],
    }
    return Proposal(id=item["id"], intent=intent, item=item)


def test_variables_pass_and_literal_tokens_do_not() -> None:
    redactor = Redactor()
    assert secret_findings(redactor, proposal("Bearer {{accessToken}}")) == []
    token = "ghp_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))
    found = secret_findings(redactor, proposal(f"Bearer {token}"))
    assert found and all(f.code == "secret-in-proposal" for f in found)
    assert all(token not in f.message for f in found)
    in_script = secret_findings(redactor, proposal("Bearer {{accessToken}}", f"const t = '{token}';"))
    assert in_script
