"""`postwright diff BASE REVISION`: what changed between two OpenAPI documents."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from agent.cli.inputs import NoValidateFlag, StrictFlag
from agent.errors import ChecksFailed, UsageError


def command(
    ctx: typer.Context,
    base: Annotated[str, typer.Argument(help="The old spec: a file, an http(s) URL or git:REF:path.")],
    revision: Annotated[str, typer.Argument(help="The new spec: a file, an http(s) URL or git:REF:path.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or markdown.")] = "text",
    breaking_only: Annotated[
        bool, typer.Option("--breaking-only", help="Show only errors and warnings.")
    ] = False,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="Exit 1 when a change reaches this level: error or warning."),
    ] = None,
    max_lines: Annotated[
        int | None,
        typer.Option(
            "--max-lines",
            min=1,
            help="List at most this many root changes in text and Markdown (Markdown default: 200; "
            "Markdown also stays under GitHub's 65,536-character comment cap).",
        ),
    ] = None,
    strict: StrictFlag = None,
    no_validate: NoValidateFlag = False,
    allow_remote_refs: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-remote-refs",
            metavar="ORIGIN",
            help="Also fetch $refs (and redirects) from this origin, e.g. https://host:8443 (repeatable).",
        ),
    ] = None,
    ref_root: Annotated[
        Path | None,
        typer.Option("--ref-root", help="Folder local $refs may read (default: each spec's folder)."),
    ] = None,
) -> None:
    """Compare two OpenAPI documents and list their changes by oasdiff rule id."""
    from agent.cli.context import settings_from
    from agent.cli.inputs import spec_checks, warn_problems
    from agent.diff import diff_specs
    from agent.diff.render import FORMATS, fails, json_chunks, keep, render
    from agent.models import Finding
    from agent.specs.load import load_spec

    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fail_on is not None and fail_on not in ("error", "warning"):
        raise UsageError(f"--fail-on must be 'error' or 'warning', not {fail_on!r}")
    origins = allow_remote_refs or ()
    settings = settings_from(ctx, **spec_checks(strict, no_validate))
    old, new = (
        load_spec(
            ref,
            remote_origins=origins,
            ref_root=ref_root,
            validate=settings.validate_specs,
            strict=settings.strict,
        )
        for ref in (base, revision)
    )
    warn_problems(old, new)
    notes: list[Finding] = []  # what a limit left out (e.g. schemas differing too deep to compare)
    changes = keep(diff_specs(old, new, notes=notes), breaking_only=breaking_only)
    if fmt == "json":  # written as it is made: the whole report at once was 500 MB more for Stripe
        _write(json_chunks(old.ref, new.ref, changes))
    else:
        typer.echo(render(fmt, old.ref, new.ref, changes, max_lines))  # refs as loaded: URLs masked
    for note in notes:
        typer.echo(f"postwright: warning: {note.message}", err=True)
    if fails(changes, fail_on):
        raise ChecksFailed(f"a change reached --fail-on {fail_on}")


WRITE_SIZE = 1 << 20  # characters of the JSON report held before they are written


def _write(chunks: Iterable[str]) -> None:
    """Echo ``chunks`` (and a final newline) in pieces of about ``WRITE_SIZE`` characters."""
    pending: list[str] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= WRITE_SIZE:
            typer.echo("".join(pending), nl=False)
            pending, held = [], 0
    typer.echo("".join(pending))
