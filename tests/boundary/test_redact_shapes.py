"""Issue 14 item 3: the shapes redaction used to miss, and the values it must still leave alone."""

from __future__ import annotations

import pytest

from agent.boundary.inbound.redact import Redactor
from tests.boundary.redaction_canaries import ALNUM, b64, rand, shapes, weak

SHAPES = shapes()


@pytest.mark.parametrize("cls,text,secrets", SHAPES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(SHAPES)])
def test_shape_is_redacted_and_what_precedes_it_kept(cls: str, text: str, secrets: list[str]) -> None:
    out, made = Redactor().redact(text, origin="t")
    assert made, out
    assert not [s for s in secrets if s in out], out
    if secrets[0] in text:  # key names, header names and URL users before a value are never rewritten
        assert out.startswith(text[: text.index(secrets[0])]), out


@pytest.mark.parametrize("engine", ["hyperscan", "re"])
def test_engines_agree_on_every_shape(engine: str) -> None:
    text = "\n".join(t for _, t, _ in SHAPES) + "\n"
    out, _ = Redactor(engine=engine).redact(text)
    assert not [s for _, _, secrets in SHAPES for s in secrets if s in out]


def test_split_token_halves_share_one_placeholder() -> None:
    head, rest = rand(40), rand(32)
    r = Redactor()
    out, made = r.redact(f"Authorization: Bearer {head}\n{rest}\nnext line\n")
    assert out == "Authorization: Bearer [REDACTED:authorization:1]\n[REDACTED:authorization:1]\nnext line\n"
    assert [(m.kind, m.line) for m in made] == [("authorization", 1)]
    escaped = '{"event": "Authorization: Bearer ' + head + "\\n" + rest + '", "level": "info"}'
    ph = "[REDACTED:authorization:1]"
    assert r.redact(escaped)[0] == escaped.replace(head, ph).replace(rest, ph)


@pytest.mark.parametrize(
    "text",
    [
        f"password={weak()}\nconnection established",
        f"api_key={rand(24)}\nINFO - next record",
        f"token: {rand(30)}\n[2024-01-01T00:00:00+0000] {{x.py:1}} INFO - next",
        f"password={rand(20)}\nuser2=bob",
        f"password={rand(20)}\nusername2=bob",
        f"Fetched 12 records from page {rand(20, '0123456789')}\nTraceback (most recent call last):",
    ],
)
def test_a_value_ending_a_line_does_not_swallow_the_next_line(text: str) -> None:
    out, _ = Redactor().redact(text)
    assert out.split("\n")[1] == text.split("\n")[1]


@pytest.mark.parametrize(
    "text",
    [
        "password=true",
        "PASSWORD: false",
        "token: null",
        "secret: None",
        "db_password: 5432",
        "max_tokens: 4096",
        "password_min_length: 12",
        "password=***",
        "DB_PASSWORD=********",
        "password: [REDACTED:password:3]",
        "password=${DB_PASSWORD}",
        "DB_PASSWORD=$DB_PASSWORD",
        '"password": "{{ db_password }}"',
        "password: <password>",
        "password: changeme",
        "api_key: YOUR_API_KEY",
        "token = ACCESS_TOKEN",
        '"password": "Please enter your password"',
        "Password: must be at least eight characters long",
        "The token: you get one from the settings page",
        "passenger: Johnson",
        "bypass=enabled",
        "inside: leftmost",
        "| Grants Pass, Oregon | 1931 |",
        f"nonMatchingToken := {weak()}",
        "next_page_token=abc",
        "csrf_token: x",
        "--- PASS: test_login_flow (0.01s)",
        "PASS: test_orders_api_v2 in 0.2s",
    ],
)
def test_known_non_secrets_under_secret_names_are_kept(text: str) -> None:
    assert Redactor().redact(text) == (text, [])


@pytest.mark.parametrize(
    "line",
    [
        "PASSWORD={v}",
        "export SMTP_PASSWORD='{v}'",
        "db.password = {v}",
        "<password>{v}</password>",
        "  password: {v}",
        '{{"pw": "{v}"}}',
        "X-Session-Id: {v}",
        "CLIENT_SECRET := {v}",
        "proxy_pass={v}",
    ],
)
def test_weak_values_under_strong_names(line: str) -> None:
    value = weak()
    out, made = Redactor().redact(line.format(v=value))
    assert value not in out and made


def test_basic_credentials_need_a_user_password_pair() -> None:
    assert Redactor().redact("Basic usage: run the tool")[1] == []
    assert Redactor().redact(f"basic {b64(rand(30))[:16]}xyz")[1] == []  # not base64 of text
    blob = b64("svc:" + weak())
    assert blob not in Redactor().redact(f"X-Relay: Basic {blob}")[0]


def test_token_glued_on_by_an_underscore_is_found() -> None:
    """Airflow prints run ids in its log lines: ``manual__<a token pasted by mistake>``."""
    for token in (
        "sk" + "_live_" + rand(24),
        "gh" + "p_" + rand(36),
        "xo" + "xb-" + rand(12, "0123456789") + "-" + rand(12, "0123456789") + "-" + rand(24),
    ):
        out, _ = Redactor().redact(f"ti=<TaskInstance: sync.push manual__{token} [queued]>")
        assert token not in out and "manual__[REDACTED:" in out


@pytest.mark.parametrize("width", [48, 64, 76])
def test_token_wrapped_over_several_lines_is_one_secret(width: int) -> None:
    token = rand(299, ALNUM + "-_") + "7"  # its last line holds a digit, like a random token's
    lines = [token[i : i + width] for i in range(0, len(token), width)]
    for before, after in [("Authorization: Bearer ", "\ndone\n"), ("id_token=", "\nconnection lost\n")]:
        text = before + "\n".join(lines) + after
        out, made = Redactor().redact(text)
        assert not [part for part in lines if part in out], out
        assert len(made) == 1 and out.endswith(after) and out.count("\n") == text.count("\n")
