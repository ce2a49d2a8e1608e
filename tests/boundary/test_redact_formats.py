"""Each supported secret format is replaced, by the right kind, and nothing around it is."""

from __future__ import annotations

import pytest

from agent.boundary.inbound.redact import Redactor
from tests.boundary.redaction_canaries import cases, pem_key, rand

CASES = cases()


@pytest.mark.parametrize("line,secret,kind", CASES, ids=[c[2] + str(i) for i, c in enumerate(CASES)])
def test_format_is_redacted(line: str, secret: str, kind: str) -> None:
    out, made = Redactor().redact(line, origin="t")
    assert secret not in out
    assert f"[REDACTED:{kind}:1]" in out, out
    assert made and made[0].kind == kind and made[0].line == 1


@pytest.mark.parametrize("engine", ["hyperscan", "re"])
def test_engines_agree(engine: str) -> None:
    text = "\n".join(c[0] for c in CASES)
    out, made = Redactor(engine=engine).redact(text)
    assert len(made) == len(CASES)
    assert all(c[1] not in out for c in CASES)


def test_pem_private_key_multiline() -> None:
    key = pem_key()
    text = f"loading key\n{key}\ndone\n"
    out, made = Redactor().redact(text)
    body = key.splitlines()[1]
    assert body not in out
    assert out.startswith("loading key\n-----BEGIN RSA PRIVATE KEY-----[REDACTED:private-key:1]-----END")
    assert out.endswith("done\n") and made[0].line == 2


def test_pem_inside_json_service_account() -> None:
    key = pem_key().replace("\n", "\\n")
    doc = (
        '{"type": "service_account", "private_key_id": "'
        + rand(40, "0123456789abcdef")
        + '", "private_key": "'
        + key
        + '"}'
    )
    out, made = Redactor().redact(doc)
    assert key.split("\\n")[2] not in out
    assert {m.kind for m in made} == {"private-key"}


def test_same_value_same_placeholder_numbered_per_kind() -> None:
    a, b = "gh" + "p_" + rand(36), "gh" + "p_" + rand(36)
    r = Redactor()
    out1, _ = r.redact(f"first {a}")
    out2, _ = r.redact(f"again {a} then {b}\npassword={rand(12)}")
    assert out1 == "first [REDACTED:github-pat:1]"
    assert out2.startswith(
        "again [REDACTED:github-pat:1] then [REDACTED:github-pat:2]\npassword=[REDACTED:password:1]"
    )
    assert Redactor().redact(f"x {b}")[0] == "x [REDACTED:github-pat:1]"  # a new run starts over


def test_value_is_not_kept_anywhere() -> None:
    secret = "gh" + "p_" + rand(36)
    r = Redactor()
    r.redact(f"token {secret}")
    state = repr(vars(r)) + repr(r.report)
    assert secret not in state and secret[4:] not in state
    import hashlib

    assert hashlib.sha256(secret.encode()).hexdigest() not in state
    assert hashlib.sha256(secret.encode()).digest() not in r._placeholders


def test_airflow_mask_and_placeholders_left_alone() -> None:
    text = "Connection password=*** host=db\npostgres://airflow:***@db/x\nAuthorization: Bearer ***\n"
    assert Redactor().redact(text) == (text, [])
    once, made = Redactor().redact("\n".join(c[0] for c in CASES))
    assert made
    assert Redactor().redact(once) == (once, [])


def test_findings_have_offsets_and_no_value() -> None:
    secret = "gh" + "p_" + rand(36)
    text = f"abc {secret} def"
    (f,) = Redactor().findings(text)
    assert (f.kind, f.rule, text[f.start : f.end]) == ("github-pat", "github-pat", secret)
    assert secret not in repr(f)


@pytest.mark.parametrize(
    "text",
    [
        "token_type=bearer expires_in=3600",
        "password: required",
        "api_key=${ORDERS_API_KEY}",
        "Set the token in the Authorization header.",
        "[2024-01-01T02:00:00.000+0000] {taskinstance.py:1138} INFO - Dependencies all met ti=<TaskInstance>",
        "https://api.example.com/v2/orders?cursor=10&page=2",
        "key: value",
        'Traceback (most recent call last):\n  File "/opt/airflow/dags/sync.py", line 8, in fetch_page',
    ],
)
def test_benign_text_unchanged(text: str) -> None:
    assert Redactor().redact(text) == (text, [])


def test_non_ascii_text_offsets() -> None:
    secret = "gh" + "p_" + rand(36)
    text = f"héllo wörld ✓ {secret} ünd"
    out, _ = Redactor().redact(text)
    assert out == "héllo wörld ✓ [REDACTED:github-pat:1] ünd"
