"""`postwright run`."""

from __future__ import annotations

import typer

from agent.errors import UsageError


def command(ctx: typer.Context) -> None:
    """(not built yet)"""
    raise UsageError("'run' is not built yet")
