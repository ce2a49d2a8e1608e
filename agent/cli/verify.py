"""`postwright verify`: run a collection several times in the sandbox and report what held."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.errors import InputError, UsageError

if TYPE_CHECKING:
    from agent.runner.report import VerifyReport

_STATUS_MARK = {"passed": "PASS ", "failed": "FAIL ", "flaky": "FLAKY"}


def command(
    ctx: typer.Context,
    collection: Annotated[Path, typer.Argument(help="Postman v2.1 collection (JSON) to run.")],
    spec: Annotated[
        str | None, typer.Option("--spec", help="OpenAPI spec to mock (path, URL, git:REF:path).")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Run against this base URL instead of a mock.")
    ] = None,
    runs: Annotated[
        int, typer.Option("--runs", min=1, max=50, help="How many times to run the collection.")
    ] = 3,
    token_env: Annotated[
        str | None,
        typer.Option("--token-env", help="Environment variable holding the target's bearer token."),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds allowed for one run.")] = 120.0,
    isolate: Annotated[str, typer.Option("--isolate", help="auto | netns | none")] = "auto",
    sandbox_dir: Annotated[
        Path | None, typer.Option("--sandbox-dir", help="The pinned Node project.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text | json")] = "text",
) -> None:
    """Run COLLECTION N times against a mock of SPEC (or --target); exit 1 unless all passed every run."""
    from agent.runner import NewmanRunner, StaticToken
    from agent.runner.sandbox import default_sandbox_dir

    if fmt not in ("text", "json"):
        raise UsageError(f"--format must be text or json, not {fmt!r}")
    if spec is None and target is None:
        raise UsageError("give --spec to run against a mock, or --target")
    if token_env and not target:
        raise UsageError("--token-env only makes sense with --target")
    document = _load_collection(collection)
    spec_doc = _load_spec(spec) if spec else None
    runner = NewmanRunner(
        sandbox_dir or default_sandbox_dir(),
        timeout=timeout,
        isolate=isolate,
        target=target,
        credentials=StaticToken(token_env) if token_env else None,
    )
    report = runner.run(document, spec_doc, runs)
    if fmt == "json":
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_text(report)
    if any(o.status != "passed" for o in report.items.values()) or not report.items:
        raise typer.Exit(code=1)


def _load_collection(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the collection ({exc.strerror})") from None
    except ValueError as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("collection"), dict):
        data = data["collection"]  # the Postman API's export envelope
    if not isinstance(data, dict) or not isinstance(data.get("item"), list):
        raise InputError(f"{path}: not a Postman collection (no 'item' list)")
    return data


def _load_spec(ref: str) -> Any:
    from agent.specs.load import load_spec

    return load_spec(ref)


def _print_text(report: VerifyReport) -> None:
    for notice in report.notices:
        typer.echo(f"notice: {notice.message}")
    if report.mock_seconds is not None:
        typer.echo(f"mock ready in {report.mock_seconds:.2f}s; isolation: {report.isolation}")
    for run in report.runs:
        newman = f", newman {run.run_seconds:.2f}s" if run.run_seconds is not None else ""
        problem = f" — {run.error}" if run.error else ""
        typer.echo(f"run {run.index}: {run.wall_seconds:.2f}s{newman}{problem}")
    for item in report.items.values():
        total = item.runs_passed + item.runs_failed
        typer.echo(f"{_STATUS_MARK[item.status]} {item.id} ({item.runs_passed}/{total}) {item.name}")
        for reason in item.reasons:
            typer.echo(f"        {reason}")
    counts = {s: sum(1 for o in report.items.values() if o.status == s) for s in _STATUS_MARK}
    typer.echo(f"{counts['passed']} passed, {counts['failed']} failed, {counts['flaky']} flaky")
