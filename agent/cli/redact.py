"""`postwright redact`: stream a file (or stdin) through the secret redactor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.errors import InputError, UsageError

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
    import io
    import json
    import sys

    from agent.boundary.redact import Redactor

    if report is not None and not report.parent.is_dir():
        raise UsageError(f"--report: directory {str(report.parent)!r} does not exist")
    origin = "<stdin>" if path == "-" else path
    redactor = Redactor()
    try:
        if path == "-":
            stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="")
        else:
            stream = open(path, encoding="utf-8", errors="replace", newline="")  # noqa: SIM115
    except FileNotFoundError:
        raise InputError(f"cannot read {path!r}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {path!r}: it is a directory") from None
    except OSError as exc:
        raise InputError(f"cannot read {path!r}: {exc.strerror or exc}") from None
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
