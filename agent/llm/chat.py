"""The OpenAI-compatible backend, on langchain-openai's ``ChatOpenAI``.

One class serves OpenAI, Azure OpenAI's v1 endpoint and local servers (vLLM, Ollama,
llama.cpp), chosen by base URL. Retries with backoff are the OpenAI SDK's own (429 honours
``Retry-After``/``retry-after-ms`` up to 60 s; 408, 409, 5xx, timeouts and dropped
connections back off exponentially from 0.5 s). Structured output is a ``json_schema``
response format by default, or a forced tool call (``tools``) or ``json_object``
(``json_mode``) for servers that lack it. Error messages carry status codes and class
names, never response bodies (a server may echo the prompt).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import SecretStr

from agent.errors import ConfigError
from agent.llm.cache import ResponseCache
from agent.llm.errors import LLMError, LLMRefused, LLMTruncated, LLMUnavailable
from agent.llm.pricing import Pricing, lookup
from agent.llm.tokens import TokenCounter
from agent.llm.types import ChatRequest, Completion, StructuredMode

TOOL_NAME = "submit_proposals"


class OpenAIChat:
    """A :class:`agent.llm.types.ChatBackend` over ``ChatOpenAI``."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: SecretStr | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        max_output_tokens: int = 2000,
        temperature: float = 0.0,
        structured: StructuredMode = "json_schema",
        cache: ResponseCache | None = None,
        pricing: Pricing | None = None,
    ) -> None:
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:  # pragma: no cover - a packaging problem, not a user error
            raise ConfigError(
                "the LLM backend needs langchain-openai", hint="pip install langchain-openai"
            ) from None
        if api_key is None and base_url is None:
            raise ConfigError(
                "llm = openai:MODEL needs OPENAI_API_KEY in the environment",
                hint="or a base URL of a local OpenAI-compatible server",
            )
        self.model = model
        self.endpoint = base_url or "https://api.openai.com/v1"
        self.max_output_tokens = max_output_tokens
        self.structured: StructuredMode = structured
        self.temperature = temperature
        self.cache = cache
        self.pricing = pricing if pricing is not None else lookup(model)
        self._counter: TokenCounter | None = None
        # Local servers ignore the key but the SDK insists on one.
        key = api_key or SecretStr("not-needed")
        self._chat = ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=key,
            timeout=timeout,
            max_retries=max_retries,
            max_completion_tokens=max_output_tokens,
            temperature=temperature,
        )

    def __repr__(self) -> str:
        return f"OpenAIChat(model={self.model!r}, endpoint={self.endpoint!r})"

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` for this model (tiktoken offline, else an estimate)."""
        if self._counter is None:
            self._counter = TokenCounter(self.model)
        return self._counter.count(text)

    def price(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """USD for a request of this size, None when the model's price is unknown."""
        return self.pricing.cost(prompt_tokens, completion_tokens) if self.pricing else None

    def _key(self, request: ChatRequest) -> str:
        settings = {"t": self.temperature, "max": self.max_output_tokens, "mode": self.structured}
        return request.key(self.model, self.endpoint, settings)

    def cached(self, request: ChatRequest) -> Completion | None:
        """The cached answer to an identical request, if any."""
        return self.cache.get(self._key(request)) if self.cache else None

    def complete(self, request: ChatRequest) -> Completion:
        """Send one request (or answer it from the cache); raise an :class:`LLMError` on failure."""
        key = self._key(request)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        message = self._invoke(request)
        completion = self._completion(message)
        if self.cache is not None:
            self.cache.put(key, completion)
        return completion

    def _invoke(self, request: ChatRequest) -> Any:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        messages = [kinds[m.role](content=m.content) for m in request.messages]
        try:
            if self.structured == "tools":
                tool = {
                    "type": "function",
                    "function": {
                        "name": TOOL_NAME,
                        "description": "Submit the proposed Postman test items.",
                        "parameters": request.schema,
                    },
                }
                return self._chat.bind_tools([tool], tool_choice=TOOL_NAME).invoke(messages)
            if self.structured == "json_mode":
                return self._chat.invoke(messages, response_format={"type": "json_object"})
            fmt = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": False},
            }
            return self._chat.invoke(messages, response_format=fmt)
        except Exception as exc:  # noqa: BLE001 - mapped to our error tree below
            raise _mapped(exc) from None

    def _completion(self, message: Any) -> Completion:
        meta = getattr(message, "response_metadata", {}) or {}
        finish = str(meta.get("finish_reason") or "stop")
        refusal = (getattr(message, "additional_kwargs", {}) or {}).get("refusal")
        if refusal or finish == "content_filter":
            raise LLMRefused("the model declined to answer")
        if finish == "length":
            raise LLMTruncated(f"the answer hit the {self.max_output_tokens}-token output limit")
        text = self._text(message)
        usage = getattr(message, "usage_metadata", None) or {}
        prompt = int(usage.get("input_tokens") or 0)
        output = int(usage.get("output_tokens") or 0) or self.count_tokens(text)
        return Completion(
            text=text,
            finish_reason=finish,
            prompt_tokens=prompt,
            completion_tokens=output,
            model=str(meta.get("model_name") or self.model),
            cost_usd=self.price(prompt, output),
        )

    def _text(self, message: Any) -> str:
        if self.structured == "tools":
            calls = getattr(message, "tool_calls", None) or []
            if calls:
                return json.dumps(calls[0].get("args") or {})
            invalid = getattr(message, "invalid_tool_calls", None) or []
            if invalid:  # malformed arguments go to the guard, which re-asks
                return str(invalid[0].get("args") or "")
        content = getattr(message, "content", "")
        if isinstance(content, list):  # content parts
            content = "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
        return str(content)


def _mapped(exc: Exception) -> Exception:
    """An OpenAI SDK / transport exception as one of ours (one line, no response body)."""
    import openai

    name = type(exc).__name__
    if isinstance(exc, openai.LengthFinishReasonError):
        return LLMTruncated("the answer hit the output-token limit")
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        return LLMRefused("the answer was withheld by the server's content filter")
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return ConfigError(
            f"the LLM endpoint refused the credentials ({exc.status_code})", hint="check OPENAI_API_KEY"
        )
    if isinstance(exc, openai.NotFoundError):
        return ConfigError(
            "the LLM endpoint does not know this model or path (404)", hint="check llm and base URL"
        )
    if isinstance(exc, openai.APITimeoutError):
        return LLMUnavailable("the LLM endpoint timed out (after retries)")
    if isinstance(exc, openai.APIConnectionError):
        return LLMUnavailable("the LLM endpoint could not be reached (after retries)")
    if isinstance(exc, openai.RateLimitError):
        return LLMUnavailable("the LLM endpoint kept answering 429 Too Many Requests (after retries)")
    if isinstance(exc, openai.BadRequestError):
        return LLMError(
            "the LLM endpoint rejected the request (400)",
            hint="servers lacking json_schema may work with structured output 'tools' or 'json_mode'",
        )
    if isinstance(exc, openai.APIStatusError):
        return LLMUnavailable(f"the LLM endpoint answered {exc.status_code} (after retries)")
    if isinstance(exc, (openai.APIResponseValidationError, ValueError)):
        return LLMUnavailable(f"the LLM endpoint sent a malformed response ({name})")
    if isinstance(exc, LLMError | ConfigError):
        return exc
    return LLMUnavailable(f"the LLM call failed ({name})")
