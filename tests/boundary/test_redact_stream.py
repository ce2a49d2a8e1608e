"""Streaming redaction: chunk boundaries, big inputs, line numbers, report."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import pytest

from agent.boundary.inbound.redact import Redactor
from tests.boundary.redaction_canaries import cases, event, pem_key, rand, shapes
from tests.corpora import CORPORA, needs_corpora


def _chunks(text: str, size: int) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


def test_stream_equals_whole_text_for_every_split() -> None:
    text = "\n".join(c[0] for c in cases()) + "\n"
    whole, _ = Redactor().redact(text)
    for size in (1, 3, 7, 64, 1000):
        r = Redactor()
        assert "".join(r.stream(_chunks(text, size))) == whole
        assert len(r.report) == len(cases())


def test_secret_split_across_block_boundary_in_large_stream() -> None:
    filler = (
        "[2024-01-01T00:00:00+0000] {http.py:161} INFO - Sending 'GET' to url: https://api.example.com/x\n"
    )
    secret = "gh" + "p_" + rand(36)
    head = filler * 2900  # ~290 KB: the secret straddles the first 256 K block
    text = head + f"using {secret} now\n" + filler * 10
    for size in (4096, 65536, 1 << 18):
        r = Redactor()
        out = "".join(r.stream(_chunks(text, size), origin="big.log"))
        assert secret not in out
        assert [(x.kind, x.line, x.origin) for x in r.report] == [("github-pat", 2901, "big.log")]
        assert len(out) == len(text) - len(secret) + len("[REDACTED:github-pat:1]")


def test_pem_split_across_blocks() -> None:
    key = pem_key()
    filler = "x" * 99 + "\n"
    text = filler * 2620 + key + "\nafter\n"  # BEGIN sits just before the first block cut
    r = Redactor()
    out = "".join(r.stream(_chunks(text, 8192)))
    assert key.splitlines()[3] not in out
    assert [x.kind for x in r.report] == ["private-key"]
    assert out.endswith("-----END RSA PRIVATE KEY-----\nafter\n")


def test_one_huge_line_is_bounded_and_still_redacted() -> None:
    secret = "gh" + "p_" + rand(36)
    words = " ".join(rand(8) for _ in range(60_000))  # ~540 KB without a newline
    text = words + f" {secret} " + words
    r = Redactor()
    out = "".join(r.stream(_chunks(text, 10_000)))
    assert secret not in out and len(r.report) == 1


def test_line_numbers_across_blocks_and_same_placeholder() -> None:
    secret = "gh" + "p_" + rand(36)
    lines = [f"line {i}" if i % 5000 else f"tok {secret}" for i in range(1, 20_001)]
    r = Redactor()
    out = "".join(r.stream(_chunks("\n".join(lines), 777)))
    assert [x.line for x in r.report] == [5000, 10000, 15000, 20000]
    assert {x.placeholder for x in r.report} == {"[REDACTED:github-pat:1]"}
    assert out.count("[REDACTED:github-pat:1]") == 4


_FILLER = "[2024-01-01T00:00:00+0000] {http.py:161} INFO - Sending 'GET' to url: https://api.example.com/x\n"


def test_every_missed_shape_streams_like_the_whole_text() -> None:
    found = shapes()
    text = "".join(_FILLER * 3 + t + "\n" for _, t, _ in found)
    whole, made = Redactor().redact(text)
    assert not [s for _, _, secrets in found for s in secrets if s in whole]
    for size in (1, 5, 64, 4096, 1 << 18):
        r = Redactor()
        assert "".join(r.stream(_chunks(text, size))) == whole
        assert len(r.report) == len(made)


@pytest.mark.parametrize("lines_before", [2618, 2619, 2620, 2621, 2622])
def test_wrapped_token_across_the_carry_over_boundary(lines_before: int) -> None:
    # 100 characters a line: the first 256 K block ends near line 2621
    filler = "[2024-01-01T00:00:00+0000] {x.py:1} INFO - " + "y" * 55 + "\n"
    head, rest, tail = rand(40), rand(32), rand(8) + "4"  # a digit: the rest of a random token
    gh = "gh" + "p_" + rand(36)
    pairs = [
        f"Authorization: Bearer {head}\n{rest}\n",
        f"using token {gh[:22]}\n{gh[22:]} for the push\n",
        event(f"retrying with Authorization: Bearer {head}") + "\n" + event(rest) + "\n",
        f"token={head}\n{rest}\n{rest[::-1]}\n{tail}\n",  # wrapped over four lines
    ]
    for pair in pairs:
        text = filler * lines_before + pair + filler * 5
        whole, _ = Redactor().redact(text)
        for size in (1000, 4096, 65536):
            out = "".join(Redactor().stream(_chunks(text, size)))
            assert out == whole
            assert head not in out and rest not in out and gh[:22] not in out and gh[22:] not in out
            assert rest[::-1] not in out and tail not in out


@needs_corpora("gitleaks.jsonl.gz")
def test_gitleaks_rows_stream_like_the_whole_text() -> None:
    with gzip.open(CORPORA / "gitleaks.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    text = "".join(_FILLER + str(row["text"]) + "\n" for row in rows if row["label"] == "secret")
    whole, made = Redactor().redact(text)
    assert len(made) > 5000
    for size in (4096, 65536):
        r = Redactor()
        assert "".join(r.stream(_chunks(text, size))) == whole
        assert len(r.report) == len(made)
