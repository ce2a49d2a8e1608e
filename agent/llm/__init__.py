"""LLM backends behind a small port; the SDK (langchain-openai) is imported only when one is built.

Public API::

    backend_from("openai:gpt-4o-mini", base_url, api_key) -> OpenAIChat | None
    parse_model("openai:MODEL") -> ModelRef | None
    Budget, Usage, ChatRequest, Completion, ResponseCache, TokenCounter
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from agent.errors import ConfigError
from agent.llm.cache import ResponseCache
from agent.llm.errors import BudgetExhausted, LLMError, LLMRefused, LLMTruncated, LLMUnavailable
from agent.llm.model_string import ModelRef, parse_model
from agent.llm.tokens import TokenCounter
from agent.llm.types import Budget, ChatBackend, ChatRequest, Completion, Message, StructuredMode, Usage
from agent.urls import mask_url, split_url

if TYPE_CHECKING:
    from agent.llm.chat import OpenAIChat

__all__ = [
    "Budget",
    "BudgetExhausted",
    "ChatBackend",
    "ChatRequest",
    "Completion",
    "LLMError",
    "LLMRefused",
    "LLMTruncated",
    "LLMUnavailable",
    "Message",
    "ModelRef",
    "ResponseCache",
    "TokenCounter",
    "Usage",
    "backend_from",
    "parse_model",
]


def backend_from(
    settings_llm: str | None,
    base_url: str | None = None,
    api_key: SecretStr | None = None,
    *,
    cache_dir: Path | None = None,
    timeout: float = 60.0,
    max_retries: int = 3,
    max_output_tokens: int = 2000,
    structured: StructuredMode = "json_schema",
) -> OpenAIChat | None:
    """The backend ``llm`` names, or None for "none".

    ``base_url`` falls back to ``OPENAI_BASE_URL`` and ``api_key`` to ``OPENAI_API_KEY`` (the
    environment, never the config file). ``cache_dir`` (e.g. ``<state>/llm-cache``) keeps
    answers across runs. Raises ConfigError for a bad model string or a missing key.
    """
    ref = parse_model(settings_llm)
    if ref is None:
        return None
    from agent.llm.chat import OpenAIChat

    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    problem = split_url(base_url).problem if base_url else None
    if problem is not None:  # OPENAI_BASE_URL is not a setting, so nothing checked it yet
        raise ConfigError(f"the model endpoint {mask_url(str(base_url))} is not a valid URL: {problem}")
    if api_key is None and os.environ.get("OPENAI_API_KEY"):
        api_key = SecretStr(os.environ["OPENAI_API_KEY"])
    return OpenAIChat(
        ref.name,
        base_url=base_url,
        api_key=api_key,
        timeout=timeout,
        max_retries=max_retries,
        max_output_tokens=max_output_tokens,
        structured=structured,
        cache=ResponseCache(cache_dir),
    )
