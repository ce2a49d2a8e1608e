"""Why a model call produced nothing usable; all are ``GenerationFailed`` (the run goes on)."""

from __future__ import annotations

from agent.errors import GenerationFailed


class LLMError(GenerationFailed):
    """A model call failed; ``code`` names the reason in findings and reports."""

    code = "llm-error"


class LLMUnavailable(LLMError):
    """Timeouts, 429s, 5xx or a broken response, after the retries were spent."""

    code = "llm-unavailable"


class LLMRefused(LLMError):
    """The model declined to answer (an OpenAI ``refusal`` or ``finish_reason: content_filter``)."""

    code = "llm-refused"


class LLMTruncated(LLMError):
    """The answer hit the output-token limit (``finish_reason: length``): never parsed."""

    code = "llm-truncated"


class BudgetExhausted(LLMError):
    """The run's token, request or cost budget would be crossed by the next request."""

    code = "llm-budget"
