"""`postwright generate`: Postman tests for a spec change (and failed calls in logs), as a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.cli.inputs import EnvironmentFlag, NoValidateFlag, StrictFlag


def command(
    ctx: typer.Context,
    spec: Annotated[
        str | None, typer.Option("--spec", help="The new spec (file, URL or git:REF:path).")
    ] = None,
    base: Annotated[
        str | None,
        typer.Option("--base", help="The old spec; without it every operation counts as added."),
    ] = None,
    logs: Annotated[
        list[str] | None, typer.Option("--logs", help="Airflow task log files or folders (repeatable).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the collection here (default: stdout).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for generated test data.")] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Collection name (default: the spec title).")
    ] = None,
    folders: Annotated[str, typer.Option("--folders", help="Group items by tag, operation or none.")] = "tag",
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Value of {{baseUrl}} [base_url]; a spec's servers are never used."),
    ] = None,
    llm: Annotated[
        str | None,
        typer.Option("--llm", help='"none" (rules only) or "openai:MODEL".'),
    ] = None,
    verify: Annotated[
        bool, typer.Option("--verify/--no-verify", help="Also prove the tests with newman.")
    ] = False,
    ref_root: Annotated[
        Path | None,
        typer.Option(
            "--ref-root", help="Folder local $refs may read [ref_root] (default: the spec's folder)."
        ),
    ] = None,
    strict: StrictFlag = None,
    no_validate: NoValidateFlag = False,
    environment: EnvironmentFlag = None,
) -> None:
    """Plan, generate and check Postman v2.1 tests; invalid proposals are dropped with a reason.

    Proposals are recorded in the state database as pending, for review.
    """
    from agent import wiring
    from agent.cli.context import settings_from
    from agent.cli.inputs import spec_checks
    from agent.cli.outcome import DropTally, refuse_if_none_kept
    from agent.cli.progress import follow
    from agent.errors import UsageError
    from agent.jsontext import pretty

    if folders not in ("tag", "operation", "none"):
        raise UsageError(f"--folders must be tag, operation or none, not {folders!r}")
    settings = settings_from(
        ctx,
        spec=spec,
        base=base,
        logs=logs or None,
        seed=seed,
        llm=llm,
        ref_root=ref_root,
        environment=environment.resolve() if environment else None,
        **spec_checks(strict, no_validate),
    )
    wiring.environment(settings)  # a missing or malformed file is said before any work
    with wiring.build(settings, verify=verify, publish=False) as pipeline:
        job = wiring.job(settings, kind="generate", name=name, folders=folders, base_url=base_url)
        tally = DropTally()
        finished = follow(tally.watch(pipeline.run(job)))
    summary = finished.summary
    text = pretty(finished.collection) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    typer.echo(
        f"postwright: {summary.changes} changes, {summary.signals} failed calls, {summary.intents} intents, "
        f"{summary.kept} tests kept, {summary.dropped} dropped",
        err=True,
    )
    refuse_if_none_kept(summary, tally)  # the (empty) collection is written all the same
