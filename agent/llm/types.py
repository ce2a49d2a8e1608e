"""The values the LLM seam carries: a chat request, a completion, usage; pure (no SDK imports)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from agent.boundary.injection.fence import FENCE_WORD
from agent.models import fingerprint

Role = Literal["system", "user", "assistant"]
StructuredMode = Literal["json_schema", "tools", "json_mode"]
# Fence nonces are fresh per prompt; the cache key ignores them (bodies cannot contain fence
# lines: ``fence.escape`` removes the fence word), so identical evidence hits the cache.
_NONCE = re.compile(r"(<<<(?:BEGIN|END) " + FENCE_WORD + r" id=)[0-9a-f]+")


@dataclass(frozen=True)
class Message:
    """One chat message; untrusted text only ever reaches ``content`` fenced, in the user role."""

    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """What a backend sends: messages plus the JSON schema the answer must follow."""

    messages: tuple[Message, ...]
    schema: dict[str, Any]
    schema_name: str = "proposals"

    def key(self, model: str, endpoint: str, settings: dict[str, Any]) -> str:
        """The cache key: a hash over everything that determines the answer."""
        blob = json.dumps(
            {
                "model": model,
                "endpoint": endpoint,
                "settings": settings,
                "messages": [[m.role, _NONCE.sub(r"\1*", m.content)] for m in self.messages],
                "schema": self.schema,
                "schema_name": self.schema_name,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return fingerprint(blob) + fingerprint(blob[::-1])

    @staticmethod
    def of(messages: Sequence[dict[str, Any]] | Sequence[Message], schema: dict[str, Any]) -> ChatRequest:
        """Build from ``Message`` values or OpenAI-style dicts (what guardrails passes)."""
        out: list[Message] = []
        for m in messages:
            if isinstance(m, Message):
                out.append(m)
            else:
                role = str(m.get("role", "user"))
                kind: Role = "system" if role == "system" else "assistant" if role == "assistant" else "user"
                out.append(Message(kind, str(m.get("content") or "")))
        return ChatRequest(tuple(out), schema)


@dataclass(frozen=True)
class Completion:
    """One answer: the JSON text, why it ended, what it cost, whether it came from the cache."""

    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    model: str
    cost_usd: float | None = None
    cached: bool = False


@dataclass
class Usage:
    """What a run spent on the model (from the responses' usage fields)."""

    requests: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True

    def add(self, completion: Completion) -> None:
        """Account one completion (a cache hit counts as a request that cost nothing)."""
        if completion.cached:
            self.cached += 1
            return
        self.requests += 1
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        if completion.cost_usd is None:
            self.cost_known = False
        else:
            self.cost_usd += completion.cost_usd

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the run report and the store."""
        return {
            "requests": self.requests,
            "cached": self.cached,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": round(self.cost_usd, 6) if self.cost_known else None,
        }


@dataclass(frozen=True)
class Budget:
    """Per-run limits; generation stops cleanly before a request that could cross one."""

    max_cost_usd: float | None = None
    max_tokens: int | None = None
    max_requests: int | None = None
    context_tokens: int = 6000

    def refusal(self, usage: Usage, prompt_tokens: int, max_output: int, cost: float | None) -> str | None:
        """Why the next request (``prompt_tokens`` in, up to ``max_output`` out) must not be sent."""
        if self.max_requests is not None and usage.requests + 1 > self.max_requests:
            return f"request budget of {self.max_requests} reached"
        if self.max_tokens is not None and usage.total_tokens + prompt_tokens + max_output > self.max_tokens:
            return f"token budget of {self.max_tokens} would be exceeded"
        if self.max_cost_usd is not None:
            if cost is None:
                return "a cost budget is set but this model's price is unknown"
            if usage.cost_usd + cost > self.max_cost_usd:
                return f"cost budget of ${self.max_cost_usd:.4f} would be exceeded"
        return None


class ChatBackend(Protocol):
    """A chat model that answers with JSON following a schema (the LLM port)."""

    model: str
    max_output_tokens: int

    def complete(self, request: ChatRequest) -> Completion: ...

    def count_tokens(self, text: str) -> int: ...

    def price(self, prompt_tokens: int, completion_tokens: int) -> float | None: ...

    def cached(self, request: ChatRequest) -> Completion | None: ...
