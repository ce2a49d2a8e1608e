"""`postwright config show`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Inspect the effective configuration.", no_args_is_help=True)


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the effective configuration with secrets masked."""
    raise NotImplementedError
