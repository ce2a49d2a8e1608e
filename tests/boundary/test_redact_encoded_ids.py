"""Base64 typed ids are not credentials; base64 of ``user:password`` still is.

GitHub's REST description carries hundreds of node ids (``base64("012:Organization1")``) and
GraphQL APIs return global ids (``base64("User:123")``); redacting them rewrote 288 example
values of GitHub's spec, which the mock then served.
"""

from __future__ import annotations

import base64
import secrets
import string
import uuid

import pytest

from agent.boundary.inbound.redact import Redactor


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _padded(text: str) -> str:
    """``text`` grown until its base64 ends in '=' (the bare-blob rule only reads padded blobs)."""
    while not _b64(text).endswith("="):
        text += "x"
    return text


@pytest.mark.parametrize(
    "decoded",
    [
        "012:Organization1",
        "04:User1",
        "010:Repository1296269",
        "User:123",
        f"Pet:{uuid.uuid4()}",
        "07:License",
    ],
)
def test_typed_ids_stay(decoded: str) -> None:
    line = f'"node_id": "{_b64(decoded)}", "id": 1'
    assert Redactor().redact(line)[0] == line


@pytest.mark.parametrize("user", ["etl", "svc-reporting", ""])
def test_encoded_credentials_are_redacted(user: str) -> None:
    password = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(14))
    blob = _b64(_padded(f"{user}:{password}"))
    assert blob.endswith("=")
    assert blob not in Redactor().redact(f"cached blob {blob} for the nightly job")[0]
