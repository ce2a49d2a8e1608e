"""`postwright config show`: the effective configuration, secrets masked."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from agent.cli.context import settings_from

app = typer.Typer(help="Inspect the effective configuration.", no_args_is_help=True, rich_markup_mode=None)


@app.command("show")
def show(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="toml-like text or json.")] = "text",
) -> None:
    """Print the effective configuration (flag > environment > file > default), secrets masked."""
    from agent.config import masked

    data = masked(settings_from(ctx))
    if fmt == "json":
        typer.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        if isinstance(value, dict):
            continue
        typer.echo(f"{key} = {json.dumps(value)}")
    for key, value in data.items():
        if isinstance(value, dict):
            typer.echo(f"\n[{key}]")
            for sub, val in value.items():
                typer.echo(f"{sub} = {json.dumps(val)}")
