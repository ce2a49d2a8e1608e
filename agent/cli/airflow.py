"""`postwright airflow signals`: failed HTTP calls in Airflow task logs, read through the REST API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

app = typer.Typer(
    help="Read Airflow task logs through the REST API.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("signals")
def signals(
    ctx: typer.Context,
    dag: Annotated[
        list[str] | None, typer.Option("--dag", help="DAG id or fnmatch pattern (repeatable).")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option("--since", help="Only runs that ended at or after this time.")
    ] = None,
    spec: Annotated[str | None, typer.Option("--spec", help="Spec to match URLs to operations.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Print the failed HTTP calls found in the selected task logs (redacted; the watermark is not moved)."""
    from agent import wiring
    from agent.boundary.inbound.provenance import sanitize_raw_log
    from agent.boundary.inbound.redact import Redactor
    from agent.boundary.inbound.sanitize import sanitize_spec, stream_log
    from agent.cli.context import settings_from
    from agent.cli.inputs import warn_problems
    from agent.errors import UsageError
    from agent.sources.signals import extract_signals
    from agent.urls import mask_url, mask_urls

    if fmt not in ("text", "json"):
        raise UsageError(f"--format must be text or json, not {fmt!r}")
    settings = settings_from(ctx, spec=spec)
    redactor = Redactor()
    revision = None
    if settings.spec:
        loaded = wiring.SpecLoader(settings).load(settings.spec)
        warn_problems(loaded)  # lenient like every command ([strict] refuses)
        revision = sanitize_spec(redactor, loaded)
    source = wiring.airflow_source(settings, None, dag_ids=dag or None, since=since)
    found = []
    for raw in source.logs():
        raw = sanitize_raw_log(redactor, raw)  # its ids are input too: printed below
        # A stream, read once line by line: a task log of any size is never held whole.
        log = stream_log(redactor, raw, score_limit=0)
        found.extend(extract_signals(log, revision, provenance=raw.provenance))
    if fmt == "json":
        typer.echo(mask_urls(json.dumps([s.model_dump(mode="json") for s in found], indent=2)))
        return
    for s in found:
        p = s.provenance
        where = f"{p.dag_id}/{p.run_id}/{p.task_id} try {p.try_number} line {p.line}"
        typer.echo(f"{s.status or '---'} {s.method} {s.operation or mask_url(s.url)}  ({where})")
    typer.echo(f"{len(found)} failed HTTP calls", err=True)
