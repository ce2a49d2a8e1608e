"""`postwright verify`: run a collection several times in the sandbox and report what held."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.cli.inputs import EnvironmentFlag, NoValidateFlag, StrictFlag
from agent.errors import ChecksFailed, InputError, UsageError

if TYPE_CHECKING:
    from agent.config import Settings
    from agent.models import SpecDocument
    from agent.runner.report import VerifyReport

_STATUS_MARK = {
    "passed": "PASS ",
    "failed": "FAIL ",
    "flaky": "FLAKY",
    "unfinished": "UNFIN",
    "skipped": "SKIP ",
    "spec-example": "SPEC ",  # failed only where the mock served a spec example that breaks its schema
}


def command(
    ctx: typer.Context,
    collection: Annotated[Path, typer.Argument(help="Postman v2.1 collection (JSON) to run.")],
    spec: Annotated[
        str | None, typer.Option("--spec", help="OpenAPI spec to mock (path, URL, git:REF:path).")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target", help="Run against this base URL or [targets.NAME] instead of a mock [sandbox.target]."
        ),
    ] = None,
    runs: Annotated[
        int | None,
        typer.Option("--runs", min=1, max=50, help="How many times to run the collection [sandbox.runs]."),
    ] = None,
    token_env: Annotated[
        str | None,
        typer.Option("--token-env", help="Environment variable holding the target's bearer token."),
    ] = None,
    oauth2_token_url: Annotated[
        str | None, typer.Option("--oauth2-token-url", help="OAuth2 client-credentials token endpoint.")
    ] = None,
    oauth2_client_id_env: Annotated[
        str | None, typer.Option("--oauth2-client-id-env", help="Environment variable with the client id.")
    ] = None,
    oauth2_client_secret_env: Annotated[
        str | None,
        typer.Option("--oauth2-client-secret-env", help="Environment variable with the client secret."),
    ] = None,
    oauth2_scope: Annotated[
        str | None, typer.Option("--oauth2-scope", help="OAuth2 scope to ask for.")
    ] = None,
    ca_certs: Annotated[
        Path | None, typer.Option("--ca-certs", help="PEM CA bundle to trust for the target's TLS.")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=1, help="Seconds allowed for one batch of a run [sandbox.timeout]."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Items per newman process (a timeout costs one batch).")
    ] = 100,
    isolate: Annotated[str, typer.Option("--isolate", help="auto | netns | none")] = "auto",
    sandbox_dir: Annotated[
        Path | None, typer.Option("--sandbox-dir", help="The pinned Node project [sandbox.dir].")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text | json")] = "text",
    shuffle: Annotated[
        int | None,
        typer.Option(
            "--shuffle", metavar="SEED", help="Run the items in an order drawn from SEED [sandbox.shuffle]."
        ),
    ] = None,
    ref_root: Annotated[
        Path | None,
        typer.Option("--ref-root", help="Folder local $refs may read (default: the spec's folder)."),
    ] = None,
    strict: StrictFlag = None,
    no_validate: NoValidateFlag = False,
    environment: EnvironmentFlag = None,
) -> None:
    """Run COLLECTION N times against a mock of SPEC (or --target); exit 1 unless all passed every run.

    Credentials for a target come from the environment at run time: name the variables with
    --token-env, or --oauth2-* for a client-credentials token (settings: [sandbox] token_env,
    oauth2_*). Secrets are never taken as values on the command line.
    """
    from agent import wiring
    from agent.cli.context import settings_from
    from agent.cli.inputs import spec_checks
    from agent.generate.postman import leaves
    from agent.identity.token import IdentityLost
    from agent.runner.credentials import provider_from
    from agent.runner.sandbox import SandboxTools

    if fmt not in ("text", "json"):
        raise UsageError(f"--format must be text or json, not {fmt!r}")
    settings = settings_from(
        ctx, environment=environment.resolve() if environment else None, **spec_checks(strict, no_validate)
    )
    target = target or settings.sandbox.target
    name = target
    named = wiring.named_target(settings, target) if target else None  # [targets.NAME]
    if named is not None:
        target = named[0]
    if spec is None and target is None:
        raise UsageError("give --spec to run against a mock, or --target")
    flags = (token_env, oauth2_token_url, oauth2_client_id_env, oauth2_client_secret_env, oauth2_scope)
    if any(flags) and not target:
        raise UsageError("--token-env and --oauth2-* only make sense with --target")
    if any(flags) and named is not None and named[1] is not None:
        raise UsageError(f"--target {name}: its token source is configured; drop --token-env / --oauth2-*")
    provider = named[1] if named is not None else None
    if any(flags):
        provider = provider_from(
            token_env=token_env,
            token_url=oauth2_token_url,
            client_id_env=oauth2_client_id_env,
            client_secret_env=oauth2_client_secret_env,
            scope=oauth2_scope,
        )
    if ca_certs is None and settings.sandbox.ca_certs is not None:
        ca_certs = settings.path(settings.sandbox.ca_certs)
    if ca_certs is not None and not ca_certs.is_file():
        raise UsageError(f"--ca-certs: {ca_certs} is not a file")
    document = _load_collection(collection)
    spec_doc = _load_spec(spec, ref_root, settings) if spec else None
    runner = wiring.newman(
        settings,
        folder=sandbox_dir,
        timeout=timeout,
        isolate=isolate,
        target=target,
        provider=provider,
        ca_certs=ca_certs,
        shuffle=shuffle,
        own_identity=named is not None,
        target_name=name if named is not None else None,
    )
    if not any(True for _ in leaves(document["item"])):
        SandboxTools.locate(runner.sandbox_dir)  # a missing sandbox is said first: it is the setup
        # said before the mock starts: nothing to run is not "0 passed" after a minute of runs
        raise ChecksFailed(f"{collection}: the collection has no requests, so nothing was verified")
    runner.batch_size, runner.progress = batch_size, _progress
    audit = {"collection": str(collection), "spec": spec, "target": name}  # a run for the audit rows
    identity = getattr(runner, "credentials", None) if target else None  # a mock never gets it
    try:
        with wiring.audit_scope(settings, identity, "verify", audit):
            report = runner.run(document, spec_doc, runs or settings.sandbox.runs)
    except IdentityLost:  # the token source failed mid-run: what was collected is printed, exit 2
        if runner.last_report is not None:
            _print(runner.last_report, fmt)
        raise
    _print(report, fmt)
    _raise_unless_all_passed(report)


def _print(report: VerifyReport, fmt: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_text(report)


def _progress(event: dict[str, Any]) -> None:
    """One stderr line per finished batch, so a long verify shows where it is."""
    if event["batches"] == 1 and event["runs"] == 1:
        return
    outcome = " — timed out" if event["timed_out"] else (" — no verdicts" if event["error"] else "")
    typer.echo(
        f"verify: run {event['run']}/{event['runs']}, batch {event['batch']}/{event['batches']}:"
        f" {event['items']} items in {event['seconds']:.1f}s{outcome}",
        err=True,
    )


def _raise_unless_all_passed(report: VerifyReport) -> None:
    if not report.items:
        raise ChecksFailed("no item ran")
    counts = Counter(o.status for o in report.items.values())
    if counts["skipped"] == len(report.items):
        raise ChecksFailed(
            f"all {len(report.items)} items were skipped (reasons above), so nothing was verified"
        )
    if counts["passed"] + counts["skipped"] != len(report.items):  # skipped: its inputs were not found
        unfinished = f", {counts['unfinished']} unfinished" if counts["unfinished"] else ""
        spec = (
            f", {counts['spec-example']} failed on the spec's own bad examples"
            if counts["spec-example"]
            else ""
        )
        raise ChecksFailed(
            f"{counts['failed']} failed, {counts['flaky']} flaky{unfinished}{spec}"
            f" of {len(report.items)} items"
        )


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


def _load_spec(ref: str, ref_root: Path | None, settings: Settings) -> SpecDocument:
    """The spec to mock, redacted as ``run`` redacts it: a secret in an example never reaches
    Prism, so it is never served, reported or written. Its problems are warned of first."""
    from agent.boundary.inbound.redact import Redactor
    from agent.boundary.inbound.sanitize import sanitize_spec
    from agent.cli.inputs import warn_problems
    from agent.specs.load import load_spec

    loaded = load_spec(ref, ref_root=ref_root, validate=settings.validate_specs, strict=settings.strict)
    warn_problems(loaded)
    return sanitize_spec(Redactor(), loaded)


def _print_text(report: VerifyReport) -> None:
    for notice in report.notices:
        typer.echo(f"notice: {notice.message}")
    if report.mock_seconds is not None:
        typer.echo(f"mock ready in {report.mock_seconds:.2f}s; isolation: {report.isolation}")
    elif report.relay_connections is not None:
        typer.echo(f"isolation: netns with a relay to the target ({report.relay_connections} connections)")
    for run in report.runs:
        newman = f", newman {run.run_seconds:.2f}s" if run.run_seconds is not None else ""
        problem = f" — {run.error}" if run.error else ""
        typer.echo(f"run {run.index}: {run.wall_seconds:.2f}s{newman}{problem}")
    for item in report.items.values():
        total = item.runs_passed + item.runs_failed + item.runs_unfinished
        typer.echo(f"{_STATUS_MARK[item.status]} {item.id} ({item.runs_passed}/{total}) {item.name}")
        for reason in [*([item.spec_example] if item.spec_example else []), *item.reasons]:
            typer.echo(f"        {reason}")
    counts = {s: sum(1 for o in report.items.values() if o.status == s) for s in _STATUS_MARK}
    unfinished = (
        f", {counts['unfinished']} unfinished (a batch timed out or crashed: no verdict, not a failure)"
        if counts["unfinished"]
        else ""
    )
    skipped = f", {counts['skipped']} skipped (not run: not a failure)" if counts["skipped"] else ""
    spec = (
        f", {counts['spec-example']} failed on the spec's own bad examples (the mock served an example"
        " that fails the spec's schema)"
        if counts["spec-example"]
        else ""
    )
    typer.echo(
        f"{counts['passed']} passed, {counts['failed']} failed, {counts['flaky']} flaky"
        f"{unfinished}{skipped}{spec}"
    )
