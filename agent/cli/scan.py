"""`postwright scan`: score untrusted text for injected instructions (and secrets)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from agent.errors import ChecksFailed, UsageError

MAX_BYTES = 64 * 1024 * 1024


def _read(path: str) -> str:
    from agent.cli.inputs import read_text

    return read_text(path, MAX_BYTES)


def scan_text(text: str) -> dict[str, Any]:
    """The scan report of one text: verdict and findings (offsets and rules, never the text)."""
    from agent.boundary.inbound.redact import Redactor
    from agent.boundary.injection.score import THRESHOLD, score_spans

    findings: list[dict[str, Any]] = [f.as_dict() for f in score_spans(text)]
    suspicious = any(f["score"] >= THRESHOLD for f in findings)
    for secret in Redactor().findings(text):
        findings.append(
            {"kind": "secret", "rule": secret.rule, "start": secret.start, "end": secret.end, "score": 1.0}
        )
        suspicious = True
    findings.sort(key=lambda f: (f["start"], f["end"]))
    return {"verdict": "suspicious" if suspicious else "clean", "findings": findings}


def _line_col(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{line}:{col}"


def command(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="Text, log or spec file to scan; '-' reads stdin.")] = "-",
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Score PATH for injected instructions and secrets; never prints the text itself.

    Findings carry kind, rule, character offsets (start, end) and a score in 0..1; spans
    scoring 0.5 or more, and any secret, make the verdict "suspicious".

    Exit status: 0 when the verdict is clean, 1 when it is suspicious, 2 on bad input.
    """
    import json
    import sys

    if output_format not in ("text", "json"):
        raise UsageError(f"--format must be 'text' or 'json', not {output_format!r}")
    text = _read(path)
    report = scan_text(text)
    if output_format == "json":
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        origin = "<stdin>" if path == "-" else path
        for f in report["findings"]:
            where = f"{origin}:{_line_col(text, f['start'])}"
            sys.stdout.write(
                f"{where}  {f['kind']:<12} {f['rule']:<24} score {f['score']:.2f}  "
                f"chars {f['start']}-{f['end']}\n"
            )
        count = sum(1 for f in report["findings"] if f["score"] >= 0.5)
        sys.stdout.write(
            f"{report['verdict']}: {count} finding(s) at or above 0.50, {len(report['findings'])} in all\n"
        )
    sys.stdout.flush()
    if report["verdict"] == "suspicious":
        raise ChecksFailed(f"{'<stdin>' if path == '-' else path}: suspicious")
