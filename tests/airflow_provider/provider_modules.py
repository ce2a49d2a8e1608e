"""The provider's pure modules, loaded from providers/airflow/src without installing the provider into
postwright's venv (its package imports Airflow's task SDK, which this venv must not have)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SRC = Path(__file__).resolve().parents[2] / "providers" / "airflow" / "src" / "postwright_provider"


def load(name: str) -> ModuleType:
    """``postwright_provider.<name>`` from its file (once per session), without the package's __init__."""
    full = f"postwright_provider_pure.{name}"
    if full in sys.modules:
        return sys.modules[full]
    spec = importlib.util.spec_from_file_location(full, SRC / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    spec.loader.exec_module(module)
    return module
