"""The provider's pure modules, imported from providers/airflow/src without installing the provider into
postwright's venv (its hooks and operators import Airflow's task SDK, which this venv must not have):
the package is registered without running its ``__init__``, so only the modules asked for load."""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "providers" / "airflow" / "src" / "postwright_provider"
PACKAGE = "postwright_provider"


def load(name: str) -> types.ModuleType:
    """``postwright_provider.<name>``, for a module that imports no Airflow."""
    if PACKAGE not in sys.modules:
        package = types.ModuleType(PACKAGE)
        package.__path__ = [str(SRC)]
        sys.modules[PACKAGE] = package
    return importlib.import_module(f"{PACKAGE}.{name}")
