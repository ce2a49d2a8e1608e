"""Hard negatives mirrored from gitleaks' allowlists: decoys and names are left alone."""

from __future__ import annotations

import string

from agent.boundary.inbound.redact import Redactor
from tests.boundary.redaction_canaries import rand

DIGITS = string.digits


def _spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in Redactor().findings(text)]


def test_masked_slack_token_is_not_a_token() -> None:
    body = "-".join(rand(12, DIGITS) for _ in range(3))
    assert _spans('"note": "xo' + f"xp-{body}-" + "#" * 20 + '"') == []


def test_decoy_names_and_elided_values() -> None:
    assert _spans(f'nonMatchingToken := "{rand(16)}"') == []
    assert _spans(f"export OP_TOKEN=ops_eyJ{rand(20)}...") == []
    assert _spans("snowflake.password=\njdbc.snowflake.url=") == []
    assert _spans("curl -u <user:password> https://example.com/endpoint") == []


def test_config_key_attribute_is_a_name_but_its_value_is_secret() -> None:
    pw = rand(14)
    assert _spans(f'<add key="ClearTextPassword" value="{pw}" />') == [pw]


def test_token_inside_a_longer_word_is_not_anchored_there() -> None:
    token = "gh" + "p_" + rand(36)
    assert _spans(f"x{token}") == []
    assert _spans(f"({token})") == [token]
