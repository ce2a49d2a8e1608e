"""Shared helpers for command modules: settings from global options plus command flags."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from agent.config import Settings


def settings_from(ctx: typer.Context, **flags: Any) -> Settings:
    """Settings for this invocation: the root options and the command's own flags."""
    from agent.config import load_settings

    root = ctx.find_root().obj or {}
    if isinstance(flags.get("ref_root"), Path):  # a path on the command line is the cwd's, not the file's
        flags["ref_root"] = flags["ref_root"].resolve()
    if root.get("state_dir") is not None:
        flags.setdefault("state_dir", root["state_dir"])
    return load_settings(config=root.get("config"), **flags)
