"""`postwright run`: the whole pipeline on the configured project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.cli.inputs import EnvironmentFlag, NoValidateFlag, StrictFlag
from agent.urls import mask_urls


def command(
    ctx: typer.Context,
    spec: Annotated[
        str | None, typer.Option("--spec", help="Revision spec (file, URL, git:REF:path).")
    ] = None,
    base: Annotated[str | None, typer.Option("--base", help="Base spec to diff against.")] = None,
    logs: Annotated[list[str] | None, typer.Option("--logs", help="Log file or folder (repeatable).")] = None,
    verify: Annotated[bool, typer.Option("--verify/--no-verify", help="Prove tests in the sandbox.")] = True,
    publish: Annotated[bool, typer.Option("--publish/--no-publish", help="Publish kept tests.")] = True,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for generated data.")] = None,
    llm: Annotated[
        str | None,
        typer.Option("--llm", help='"none" (rules only) or "openai:MODEL".'),
    ] = None,
    ref_root: Annotated[
        Path | None,
        typer.Option(
            "--ref-root", help="Folder local $refs may read [ref_root] (default: the spec's folder)."
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target", help="Verify against this base URL or [targets.NAME], not a mock [sandbox.target]."
        ),
    ] = None,
    strict: StrictFlag = None,
    no_validate: NoValidateFlag = False,
    environment: EnvironmentFlag = None,
) -> None:
    """Diff, read logs, plan, generate, check, verify and publish, as configured."""
    from agent import wiring
    from agent.cli.context import settings_from
    from agent.cli.inputs import spec_checks
    from agent.cli.outcome import DropTally, refuse_if_none_kept
    from agent.cli.progress import follow
    from agent.report.write import save_report

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
    if target is not None:  # a URL or a [targets.NAME], resolved where verify's is (wiring.newman)
        settings.sandbox = settings.sandbox.model_copy(update={"target": target})
    wiring.environment(settings)  # a missing or malformed file is said before any work
    with wiring.build(settings, verify=verify, publish=publish) as pipeline:
        tally = DropTally()
        finished = follow(tally.watch(pipeline.run(wiring.job(settings))))
        report = save_report(finished, settings.state_path, pipeline.store)
    summary = finished.summary
    typer.echo(
        f"changes {summary.changes}  failures {summary.signals}  proposals {summary.proposals}"
        f"  kept {summary.kept}  dropped {summary.dropped}  redacted {summary.redactions}"
        + (f"  drift {summary.drift}" if summary.drift else "")
    )
    if summary.catches_old is not None:
        typer.echo(f"old API: {summary.catches_old} kept tests catch it (fail there, pass on the new API)")
    for finding in finished.notices:  # the target refused what the spec says succeeds (redacted)
        if finding.code == "drift":
            typer.echo(mask_urls(finding.message))
    if summary.llm_proposals or summary.llm_refused:
        typer.echo(
            f"model: {summary.llm_proposals} proposals, {summary.llm_refused} refused by the guard,"
            f" {summary.llm_tokens} tokens, ${summary.llm_cost_usd:.4f}"
        )
    if summary.publish is not None:
        published = summary.publish
        where = f"PR body {published.pr_body_path}" if published.url is None else f"review {published.url}"
        typer.echo(f"branch {published.branch}  {where}")
    typer.echo(f"report {report}")
    refuse_if_none_kept(summary, tally)
