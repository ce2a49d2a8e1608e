"""agent.offline: guardrails and litellm stay local, and the user's home is never written."""

from __future__ import annotations

import os
from pathlib import Path

from agent import offline


def test_ensure_offline_is_idempotent_and_sets_litellm_switches() -> None:
    offline.ensure_offline()
    offline.ensure_offline()
    assert offline.is_offline()
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert os.environ["LITELLM_OFFLINE_MODE"] == "true"


def test_rc_file_in_home_cannot_turn_metrics_back_on(_isolated_home: Path) -> None:
    (_isolated_home / ".guardrailsrc").write_text(
        "enable_metrics=true\nuse_remote_inferencing=true\nid=someone\n"
    )
    offline.ensure_offline()
    from guardrails.classes.rc import RC
    from guardrails.settings import settings

    rc = RC.load()
    assert rc.enable_metrics is False and rc.use_remote_inferencing is False and rc.id is None
    assert settings.rc.enable_metrics is False


def test_guard_construction_keeps_telemetry_off_and_home_untouched(_isolated_home: Path) -> None:
    offline.ensure_offline()
    from guardrails import Guard
    from guardrails.utils.hub_telemetry_utils import HubTelemetry

    before = sorted(p.name for p in _isolated_home.iterdir())
    guard = Guard()
    guard.configure()
    telemetry = HubTelemetry()
    assert telemetry._enabled is False
    assert telemetry._tracer is None and telemetry._processor is None  # no OTLP exporter, no batch thread
    assert sorted(p.name for p in _isolated_home.iterdir()) == before
