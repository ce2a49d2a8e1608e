"""postwright: keeps an API's Postman tests in step with the API.

The public API, imported lazily so that ``import agent`` stays cheap::

    from agent import load_settings, build_pipeline, load_spec, diff_specs, Redactor

    settings = load_settings()                       # postwright.toml, POSTWRIGHT_*, defaults
    pipeline = build_pipeline(settings)              # adapters chosen from the settings
    for event in pipeline.run(job(settings)):        # progress events; the last is RunFinished
        ...
"""

import sys
from importlib import import_module
from typing import Any

from agent.errors import PostwrightError
from agent.offline import set_environment

# jsonschema imports rfc3987_syntax when present (guardrails-ai pulls it in); it builds a
# grammar at import and costs seconds on every start. We use no IRI formats: keep it out.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

# litellm (pulled in by guardrails-ai) downloads a cost map when imported unless told not to;
# set its switches before anything can import it. guardrails itself: agent.offline.
set_environment()

__version__ = "0.1.0"

_LAZY = {
    "Settings": ("agent.config", "Settings"),
    "load_settings": ("agent.config", "load_settings"),
    "Pipeline": ("agent.pipeline", "Pipeline"),
    "Job": ("agent.pipeline", "Job"),
    "build_pipeline": ("agent.wiring", "build"),
    "job": ("agent.wiring", "job"),
    "load_spec": ("agent.specs.load", "load_spec"),
    "diff_specs": ("agent.diff", "diff_specs"),
    "Redactor": ("agent.boundary.inbound.redact", "Redactor"),
    "Change": ("agent.models", "Change"),
    "LogSignal": ("agent.models", "LogSignal"),
    "Intent": ("agent.models", "Intent"),
    "Proposal": ("agent.models", "Proposal"),
    "Finding": ("agent.models", "Finding"),
}
__all__ = ["PostwrightError", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'agent' has no attribute {name!r}") from None
    return getattr(import_module(module), attr)
