"""Folders postwright ships beside its code: inside the wheel, or at the top of a checkout.

The repository keeps ``prompts/`` and ``sandbox/`` (the Node manifest and lock file) at its
root; the wheel maps them into the package (``force-include`` in ``pyproject.toml``), so an
installed ``postwright`` and a source checkout find them the same way.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_PACKAGE = Path(str(files("agent")))


def shipped(name: str) -> Path:
    """``agent/<name>`` as installed from a wheel, else ``<name>/`` at the checkout's root."""
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def packaged(path: Path) -> bool:
    """Whether ``path`` lies inside the installed package (a wheel), not a checkout's top level."""
    return _PACKAGE in path.parents
