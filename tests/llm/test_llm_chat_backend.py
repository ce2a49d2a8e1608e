"""The real ChatOpenAI adapter against the scripted local server: formats, failures, retries, cache."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent.errors import ConfigError
from agent.llm import (
    LLMRefused,
    LLMTruncated,
    LLMUnavailable,
    ResponseCache,
    backend_from,
    parse_model,
)
from agent.llm.chat import OpenAIChat
from agent.llm.types import ChatRequest, Message
from agent.testing.fake_openai import FakeOpenAI, Reply, error

SCHEMA = {"type": "object", "properties": {"items": {"type": "array"}}, "required": ["items"]}


def _request(text: str = "hello") -> ChatRequest:
    return ChatRequest((Message("system", "sys"), Message("user", text)), SCHEMA)


def _backend(fake: FakeOpenAI, **kwargs: object) -> OpenAIChat:
    options: dict[str, object] = {"base_url": fake.base_url, "max_retries": 0, "timeout": 5.0}
    options.update(kwargs)
    return OpenAIChat("gpt-4o-mini", **options)  # type: ignore[arg-type]


def test_json_schema_answer_usage_and_cost(fake: FakeOpenAI) -> None:
    fake.script(Reply(obj={"items": []}, usage=(1000, 200)))
    done = _backend(fake).complete(_request())
    assert json.loads(done.text) == {"items": []}
    assert (done.prompt_tokens, done.completion_tokens, done.cached) == (1000, 200, False)
    assert done.cost_usd == pytest.approx((1000 * 0.15 + 200 * 0.6) / 1e6)
    sent = fake.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"] == SCHEMA
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]


def test_tool_call_mode(fake: FakeOpenAI) -> None:
    fake.script(Reply(obj={"items": [{"name": "x"}]}))
    done = _backend(fake, structured="tools").complete(_request())
    assert json.loads(done.text) == {"items": [{"name": "x"}]}
    sent = fake.requests[0]
    assert sent["tools"][0]["function"]["parameters"] == SCHEMA
    assert "submit_proposals" in json.dumps(sent["tool_choice"])


def test_json_mode(fake: FakeOpenAI) -> None:
    fake.script(Reply(content='{"items": []}'))
    assert _backend(fake, structured="json_mode").complete(_request()).text == '{"items": []}'
    assert fake.requests[0]["response_format"] == {"type": "json_object"}


def test_timeout_after_retries(fake: FakeOpenAI) -> None:
    fake.script(Reply(obj={}, delay=3), Reply(obj={}, delay=3))
    with pytest.raises(LLMUnavailable, match="timed out"):
        _backend(fake, timeout=0.3, max_retries=1).complete(_request())
    assert len(fake.requests) == 2


def test_429_honours_retry_after(fake: FakeOpenAI) -> None:
    fake.script(error(429, "slow down", retry_after="1"), Reply(obj={"items": []}))
    start = time.monotonic()
    done = _backend(fake, max_retries=2).complete(_request())
    assert json.loads(done.text) == {"items": []}
    assert len(fake.requests) == 2
    assert time.monotonic() - start >= 0.9  # waited as told, not the SDK's 0.5 s default


def test_429_forever_is_unavailable(fake: FakeOpenAI) -> None:
    fake.script(*[error(429, retry_after="0.05") for _ in range(3)])
    with pytest.raises(LLMUnavailable, match="429"):
        _backend(fake, max_retries=1).complete(_request())


def test_500s_retried_then_given_up(fake: FakeOpenAI) -> None:
    fake.script(error(500), error(503), Reply(obj={"items": []}))
    assert _backend(fake, max_retries=2).complete(_request()).text == '{"items": []}'
    fake.script(error(500), error(500))
    with pytest.raises(LLMUnavailable, match="500"):
        _backend(fake, max_retries=1).complete(_request())


def test_malformed_http_body(fake: FakeOpenAI) -> None:
    fake.script(Reply(body=b'{"id": "x", "choices": [', status=200))
    with pytest.raises(LLMUnavailable, match="malformed"):
        _backend(fake).complete(_request())


def test_refusal(fake: FakeOpenAI) -> None:
    fake.script(Reply(refusal="I cannot help with that."))
    with pytest.raises(LLMRefused):
        _backend(fake).complete(_request())


def test_truncated_output(fake: FakeOpenAI) -> None:
    fake.script(Reply(content='{"items": [{"name": "cut', finish_reason="length"))
    with pytest.raises(LLMTruncated):
        _backend(fake).complete(_request())
    fake.script(Reply(tool_args='{"items": [', finish_reason="length"))
    with pytest.raises(LLMTruncated):
        _backend(fake, structured="tools").complete(_request())


def test_bad_credentials_are_a_config_error(fake: FakeOpenAI) -> None:
    fake.script(error(401, "invalid key"))
    with pytest.raises(ConfigError, match="credentials"):
        _backend(fake).complete(_request())


def test_cache_by_request_hash(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script(Reply(obj={"items": [1]}), Reply(obj={"items": [2]}))
    backend = _backend(fake, cache=ResponseCache(tmp_path / "cache"))
    first = backend.complete(_request())
    again = backend.complete(_request())
    assert (first.cached, again.cached, again.text) == (False, True, first.text)
    assert len(fake.requests) == 1
    other = backend.complete(_request("something else"))
    assert json.loads(other.text) == {"items": [2]}
    # A new process (new backend, same folder) still hits.
    assert _backend(fake, cache=ResponseCache(tmp_path / "cache")).complete(_request()).cached
    assert len(fake.requests) == 2


def test_truncated_answers_are_not_cached(fake: FakeOpenAI) -> None:
    fake.script(Reply(content="{", finish_reason="length"), Reply(obj={"items": []}))
    backend = _backend(fake, cache=ResponseCache())
    with pytest.raises(LLMTruncated):
        backend.complete(_request())
    assert not backend.complete(_request()).cached


def test_backend_from_settings(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    assert backend_from("none") is None
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        backend_from("openai:gpt-4o-mini")
    key = "sk-" + secrets.token_hex(16)
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    backend = backend_from("openai:gpt-4o-mini", max_retries=0)
    assert backend is not None and key not in repr(backend)
    fake.script(Reply(obj={"items": []}))
    backend.complete(_request())
    assert fake.headers[0]["authorization"] == f"Bearer {key}"
    explicit = backend_from("openai:m", fake.base_url, SecretStr("k2"), max_retries=0)
    assert explicit is not None and explicit.endpoint == fake.base_url


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("none", None),
        ("", None),
        ("openai:gpt-4o-mini", "openai:gpt-4o-mini"),
        ("openai:llama3.1:8b", "openai:llama3.1:8b"),
    ],
)
def test_model_strings(value: str, expected: str | None) -> None:
    ref = parse_model(value)
    assert (str(ref) if ref else None) == expected


@pytest.mark.parametrize("value", ["gpt-4o", "anthropic:claude", "openai:", "openai:bad name"])
def test_bad_model_strings(value: str) -> None:
    with pytest.raises(ConfigError):
        parse_model(value)
