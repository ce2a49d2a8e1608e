"""Token counting never downloads: tiktoken from a local, verified file, or a conservative estimate."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from agent.llm import tokens
from agent.llm.pricing import lookup
from agent.llm.tokens import TokenCounter


def test_tiktoken_counts_offline_from_a_local_file() -> None:
    counter = TokenCounter("gpt-4o-mini")
    assert counter.encoding == "o200k_base"
    if not counter.exact:
        pytest.skip("no local BPE file on this machine (litellm not installed)")
    assert counter.count("hello world") == 2
    assert TokenCounter("gpt-3.5-turbo").encoding == "cl100k_base"


def test_estimate_without_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tokens, "_cache_dirs", lambda: iter([tmp_path]))
    monkeypatch.setattr(tokens, "_ENCODINGS", {})
    counter = TokenCounter("some-local-model")
    assert not counter.exact
    text = '{"items": [{"name": "x"}]}'
    assert counter.count(text) == math.ceil(len(text) / 3)


def test_a_tampered_file_is_not_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import hashlib

    key = hashlib.sha1(tokens._URL.format("o200k_base").encode()).hexdigest()
    (tmp_path / key).write_bytes(b"aGVsbG8= 0\n")
    monkeypatch.setattr(tokens, "_cache_dirs", lambda: iter([tmp_path]))
    monkeypatch.setattr(tokens, "_ENCODINGS", {})
    assert not TokenCounter("gpt-4o").exact
    assert (tmp_path / key).exists()  # tiktoken would have deleted it and gone online


def test_prices_from_the_bundled_table() -> None:
    price = lookup("gpt-4o-mini-2024-07-18")
    if price is None:
        pytest.skip("litellm's price table is not installed")
    assert price.cost(1_000_000, 0) == pytest.approx(0.15)
    assert lookup("llama3.1:8b") is None
