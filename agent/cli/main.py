"""The ``postwright`` command: global options, command registration, the error handler.

Command modules are imported here, so each keeps its heavy imports inside the function body
(``postwright --help`` must start fast).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from agent import __version__
from agent.cli import (
    airflow,
    audit,
    bot,
    config_cmd,
    demo,
    diff,
    doctor,
    generate,
    redact,
    review,
    run,
    sandbox,
    scan,
    validate,
    verify,
)
from agent.cli.errors import run_guarded
from agent.errors import ConfigError
from agent.heap import tune_gc

app = typer.Typer(
    name="postwright",
    help="Turn OpenAPI changes and failing Airflow tasks into reviewed Postman tests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"postwright {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="postwright.toml to use (default: search upward).")
    ] = None,
    state_dir: Annotated[
        Path | None, typer.Option("--state-dir", help="Where the state database lives.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    # Checked here, not when settings load: `diff` and others never load them, and a config the
    # user named but we did not read would be a silent outcome.
    named = config or (Path(os.environ["POSTWRIGHT_CONFIG"]) if os.environ.get("POSTWRIGHT_CONFIG") else None)
    if named is not None and not named.is_file():
        raise ConfigError(f"config file {named} does not exist")
    ctx.obj = {"config": config, "state_dir": state_dir, "debug": debug}


app.command("demo")(demo.command)
app.command("diff")(diff.command)
app.command("generate")(generate.command)
app.command("validate")(validate.command)
app.command("verify")(verify.command)
app.command("run")(run.command)
app.command("redact")(redact.command)
app.command("scan")(scan.command)
app.add_typer(config_cmd.app, name="config")
app.add_typer(airflow.app, name="airflow")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(bot.app, name="bot")
app.command("doctor")(doctor.command)
app.command("audit")(audit.command)
app.command("review")(review.command)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    args = sys.argv[1:] if argv is None else argv
    tune_gc()  # specs are large: the default thresholds rescan them again and again
    command = typer.main.get_command(app)
    debug = "--debug" in args
    code = run_guarded(
        lambda: command.main(args=args, prog_name="postwright", standalone_mode=False), debug=debug
    )
    raise SystemExit(code)
