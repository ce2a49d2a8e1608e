"""`postwright sandbox install|where`: the pinned Node tools (newman, Prism) verify runs with."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.context import settings_from

app = typer.Typer(
    help="Install or locate the Node sandbox (newman, Prism).", no_args_is_help=True, rich_markup_mode=None
)


@app.command("install")
def install(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Reinstall even if it is installed.")] = False,
) -> None:
    """Run `npm ci` from the lock file shipped with postwright, into the user cache (or [sandbox] dir)."""
    from agent import wiring
    from agent.runner import sandbox

    target = wiring.sandbox_dir(settings_from(ctx))
    if sandbox.installed(target) and not force:
        typer.echo(f"the Node sandbox is installed in {target}")
        return
    typer.echo(f"installing the Node sandbox in {target} (npm ci, about 200 MB) ...", err=True)
    sandbox.install(target)
    sandbox.SandboxTools.locate(target)  # npm succeeded but the tools are not there: say so
    typer.echo(f"the Node sandbox is installed in {target}")


@app.command("where")
def where(ctx: typer.Context) -> None:
    """Print the folder the Node sandbox is used from (installed or not)."""
    from agent import wiring

    typer.echo(str(wiring.sandbox_dir(settings_from(ctx))))
