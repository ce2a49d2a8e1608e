"""`postwright scan`."""

from __future__ import annotations

import typer

from agent.errors import UsageError


def command(ctx: typer.Context) -> None:
    """(not built yet)"""
    raise UsageError("'scan' is not built yet")
