"""Streaming redaction: chunk boundaries, big inputs, line numbers, report."""

from __future__ import annotations

from collections.abc import Iterator

from redaction_canaries import cases, pem_key, rand

from agent.boundary.redact import Redactor


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
