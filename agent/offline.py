"""Switch off the phoning-home of third-party libraries, in this process only.

guardrails-ai sends OpenTelemetry traces to its vendor by default and reads its switches
only from ``~/.guardrailsrc`` (no environment variable); litellm downloads a model cost
map when it is imported. postwright must work on machines without internet and must not
leak usage data, and it must not write to the user's home to get there. So, before any
guardrails import, :func:`ensure_offline`:

- sets ``LITELLM_LOCAL_MODEL_COST_MAP=True`` and ``LITELLM_OFFLINE_MODE=true`` (litellm
  reads them at import time and uses its bundled copies);
- replaces ``guardrails.classes.rc.RC.load`` so every reader (the ``settings`` singleton,
  each new ``Guard``, validators, the hub token helper) gets metrics and remote
  inferencing off, whatever a ``.guardrailsrc`` says;
- installs a disabled ``HubTelemetry`` singleton, so guardrails never builds its OTLP
  exporter and its batch thread (that thread is what makes a process wait ~7 s at exit).

Importing guardrails is slow (~2.5 s), so this module imports it only inside the function.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_LOCK = threading.Lock()
_DONE = False

# Environment switches honoured at import time by libraries guardrails pulls in.
# OTEL_SDK_DISABLED is deliberately not set: it would also silence the user's own tracing.
ENVIRONMENT = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_OFFLINE_MODE": "true",
}


def set_environment() -> None:
    """Set the import-time switches (cheap; no imports)."""
    for name, value in ENVIRONMENT.items():
        os.environ[name] = value


def _offline_rc(rc_cls: Any) -> Any:
    """An RC with metrics and remote inferencing off and no identity or token."""
    return rc_cls(id=None, token=None, enable_metrics=False, use_remote_inferencing=False)


def _patch_guardrails() -> None:
    """Override guardrails' settings in-process; never touches ``~/.guardrailsrc``."""
    from guardrails.classes.rc import RC
    from guardrails.settings import settings

    offline = _offline_rc(RC)

    def load(cls: type[Any], logger: Any = None) -> Any:
        return _offline_rc(cls)

    # Guard() calls RC.load() on every construction and stores the result in settings.
    RC.load = classmethod(load)
    RC.exists = staticmethod(lambda: True)
    settings.rc = offline

    from guardrails.utils.hub_telemetry_utils import HubTelemetry

    # A disabled singleton, built without initialize_tracer: no exporter, no thread.
    current = HubTelemetry._instance
    if current is None:
        current = object.__new__(HubTelemetry)
        current._carrier = {}
        current._tracer = None
        current._prop = None
        current._processor = None
        current._tracer_provider = None
        HubTelemetry._instance = current
    current._enabled = False


def ensure_offline() -> None:
    """Make guardrails and litellm local-only for this process; idempotent and thread-safe.

    Call it before importing guardrails (``agent.boundary.outbound.guard`` does). Calling it after
    guardrails was imported still switches telemetry off, but litellm may already have
    fetched its cost map.
    """
    global _DONE
    if _DONE:
        return
    with _LOCK:
        if _DONE:
            return
        set_environment()
        _patch_guardrails()
        _DONE = True


def is_offline() -> bool:
    """Whether :func:`ensure_offline` has run in this process."""
    return _DONE
