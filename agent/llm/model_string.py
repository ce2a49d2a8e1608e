"""``llm = "none" | "openai:MODEL"``: which backend a run uses, parsed once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.errors import ConfigError

PROVIDERS = ("openai",)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$")


@dataclass(frozen=True)
class ModelRef:
    """A provider and a model name (an Azure deployment name or a local server's model id)."""

    provider: str
    name: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.name}"


def parse_model(value: str | None) -> ModelRef | None:
    """``None`` for "none"/empty; a :class:`ModelRef` for "openai:MODEL"; ConfigError otherwise."""
    text = (value or "").strip()
    if text.lower() in ("", "none", "off", "false"):
        return None
    provider, sep, name = text.partition(":")
    if not sep:
        raise ConfigError(
            f'llm must be "none" or "openai:MODEL", not {text!r}', hint='e.g. "openai:gpt-4o-mini"'
        )
    provider = provider.strip().lower()
    name = name.strip()
    if provider not in PROVIDERS:
        raise ConfigError(
            f"unknown LLM provider {provider!r}; supported: {', '.join(PROVIDERS)}",
            hint="any OpenAI-compatible server (vLLM, Ollama, llama.cpp, Azure) works as openai:MODEL",
        )
    if not _NAME.match(name):
        raise ConfigError(f"invalid model name in llm = {text!r}")
    return ModelRef(provider, name)
