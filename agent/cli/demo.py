"""`postwright demo`: the whole pipeline, offline, on a bundled example."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer


def command(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Empty folder to run in (default: a new temp dir)."),
    ] = None,
    verify: Annotated[
        bool, typer.Option("--verify/--no-verify", help="Prove the tests with newman against a mock.")
    ] = True,
) -> None:
    """Run diff → plan → generate → check → verify → publish on a bundled example, offline."""
    from rich.console import Console

    from agent import demo, wiring
    from agent.cli.progress import follow
    from agent.config import load_settings
    from agent.errors import BoundaryViolation
    from agent.report.write import save_report

    root = workspace or Path(tempfile.mkdtemp(prefix="postwright-demo-"))
    ws = demo.prepare(root.resolve())
    console = Console(stderr=True, highlight=False)
    console.print(f"postwright demo in {ws.root}", markup=False)
    console.print(f"planted {len(ws.canaries)} fake tokens in the example's Airflow logs", markup=False)

    settings = load_settings(config=ws.root / "postwright.toml", state_dir=ws.root / ".postwright")
    if not verify:
        settings = settings.model_copy(
            update={"sandbox": settings.sandbox.model_copy(update={"enabled": False})}
        )
    with wiring.build(settings) as pipeline:
        finished = follow(pipeline.run(wiring.job(settings, kind="demo", name="Petstore")))
        report = save_report(finished, settings.state_path, pipeline.store)
    summary = finished.summary

    out = [
        f"changes {summary.changes}  failures in logs {summary.signals}  intents {summary.intents}",
        f"proposals {summary.proposals}  kept {summary.kept}  dropped {summary.dropped}"
        f"  secrets redacted {summary.redactions}",
    ]
    if summary.publish is not None:
        out.append(f"branch     {summary.publish.branch} in {ws.repo}")
        out.append(f"PR body    {summary.publish.pr_body_path}")
        out.append(f"look:      git -C {ws.repo} diff main {summary.publish.branch}")
    out.append(f"state      {settings.state_path / 'state.db'}")
    out.append(f"report     {report}")
    text = "\n".join(out)
    typer.echo(text)
    leaks = demo.find_leaks(ws, outputs=text)
    if leaks:
        raise BoundaryViolation(f"planted tokens leaked: {', '.join(leaks)}")
    console.print(
        f"boundary: none of the {len(ws.canaries)} planted tokens appears in any output", markup=False
    )
