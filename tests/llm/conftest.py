"""Fixtures for the LLM tests: a scripted local OpenAI server, the demo specs and intents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.boundary.inbound.redact import Redactor
from agent.boundary.sealed import SanitizedSpec
from agent.models import Change, Intent
from agent.testing.fake_openai import FakeOpenAI
from agent.testing.sealed import sanitized

DEMO = Path(__file__).resolve().parents[2] / "agent" / "examples" / "demo" / "specs"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="session")
def demo() -> tuple[SanitizedSpec, list[Change], list[Intent]]:
    from agent.diff import diff_specs
    from agent.plan import plan
    from agent.specs.load import load_spec

    redactor = Redactor()  # one per run, as the pipeline does: placeholders agree across the specs
    base = sanitized(load_spec(str(DEMO / "petstore-v1.yaml")), redactor=redactor)
    revision = sanitized(load_spec(str(DEMO / "petstore-v2.yaml")), redactor=redactor)
    changes = diff_specs(base, revision)
    return revision, changes, plan(changes, [], revision)


def _item(status: str = "200", script: list[str] | None = None, **request: Any) -> dict[str, Any]:
    """A sound model item for GET /pets."""
    req: dict[str, Any] = {
        "method": "GET",
        "header": [{"key": "Authorization", "value": "Bearer {{accessToken}}"}],
        "url": {
            "raw": "{{baseUrl}}/pets?status=available&shelterId=sh-001",
            "host": ["{{baseUrl}}"],
            "path": ["pets"],
            "query": [{"key": "status", "value": "available"}, {"key": "shelterId", "value": "sh-001"}],
        },
    }
    req.update(request)
    lines = script or ["pm.test('ok', function () {", f"  pm.response.to.have.status({status});", "});"]
    return {
        "name": f"GET /pets answers {status}",
        "expected_status": status,
        "request": req,
        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": lines}}],
    }


@pytest.fixture
def make_item() -> Any:
    """Builds a sound model item for GET /pets (override request fields or the script)."""
    return _item
