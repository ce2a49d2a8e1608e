"""`postwright redact`: stream a file (or stdin) through the secret redactor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.errors import UsageError

_CHUNK = 1 << 16


def command(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Log or text file to redact; '-' reads stdin.")] = "-",
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write a JSON report (kind, location, placeholder; never the value)."),
    ] = None,
) -> None:
    """Write PATH to stdout with every secret replaced by a stable placeholder.

    Input is read as UTF-8; bytes that are not valid UTF-8 are replaced by U+FFFD, so a log
    with stray binary still gets redacted rather than refused.
    """
    import json
    import sys

    from agent.boundary.inbound.redact import Redactor
    from agent.cli.inputs import open_text

    if report is not None and not report.parent.is_dir():
        raise UsageError(f"--report: directory {str(report.parent)!r} does not exist")
    origin = "<stdin>" if path == "-" else path
    redactor = Redactor()
    stream = open_text(path)
    out = sys.stdout
    with stream:
        chunks = iter(lambda: stream.read(_CHUNK), "")
        for block in redactor.stream(chunks, origin=origin):
            out.write(block)
    out.flush()
    if report is not None:
        entries = [
            {"kind": r.kind, "placeholder": r.placeholder, "location": f"{r.origin}:{r.line}", "line": r.line}
            for r in redactor.report
        ]
        doc = {"source": origin, "engine": redactor.engine, "count": len(entries), "redactions": entries}
        report.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
