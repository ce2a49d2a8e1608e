"""`postwright audit`: every use of an identity (token issued, refreshed, refused, failed), per run."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.context import settings_from
from agent.errors import UsageError

if TYPE_CHECKING:
    from agent.identity.audit import AuditEvent

COLUMNS = (
    "when",
    "run",
    "target",
    "source",
    "client id",
    "subject",
    "audience",
    "scopes",
    "expires",
    "fingerprint",
    "outcome",
)


def command(
    ctx: typer.Context,
    run: Annotated[str | None, typer.Option("--run", help="Only this run's rows (a run id).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Show the identity audit: which token source gave which target a token, when, and what came of it.

    Tokens are named by a keyed fingerprint (the key stays beside the state database), never by value.
    """
    from agent.store import DB_NAME, open_store

    settings = settings_from(ctx)
    events: list[AuditEvent] = []
    if settings.state_url or (settings.state_path / DB_NAME).is_file():
        with open_store(settings.state_path, settings.state_url) as store:
            if run is not None and not store.has_run(run):
                raise UsageError(f"--run: no run with id {run!r} in {settings.state_path}")
            events = store.identity_events(run)
    elif run is not None:
        raise UsageError(f"--run: no run with id {run!r} (no state database in {settings.state_path})")
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in events], indent=2))
    elif not events:
        where = f"run {run}" if run else str(settings.state_path)
        typer.echo(f"no identity audit rows for {where}: no token was asked for (verify/run with a target)")
    else:
        _table(events)


def _table(events: list[AuditEvent]) -> None:
    from rich.console import Console
    from rich.table import Table

    from agent.identity.audit import SHOWN_CHARS

    table = Table(*COLUMNS, box=None, pad_edge=False)
    table.add_column("reason", overflow="fold")
    for e in events:
        table.add_row(
            _when(e.at),
            e.run_id or "-",
            e.target or "-",
            e.source,
            e.client_id or "-",
            e.subject or "-",
            " ".join(e.audience) or "-",
            " ".join(e.scopes) or "-",
            _when(e.expires_at) if e.expires_at else "-",
            e.fingerprint[:SHOWN_CHARS] if e.fingerprint else "-",
            e.outcome,
            e.reason or "",
        )
    # piped or redirected: one row per line, whatever its length (grep, an archive of the trail)
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 10_000
    Console(highlight=False, markup=False, soft_wrap=True, width=width).print(table)


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
