"""`postwright validate COLLECTION --spec SPEC`: check a Postman collection, whoever wrote it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.cli.inputs import NoValidateFlag, StrictFlag
from agent.errors import ChecksFailed, InputError, UsageError


def command(
    ctx: typer.Context,
    collection: Annotated[Path, typer.Argument(help="A Postman v2.1 collection JSON file.")],
    spec: Annotated[str, typer.Option("--spec", help="The spec the requests must conform to.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    ref_root: Annotated[
        Path | None,
        typer.Option("--ref-root", help="Folder local $refs may read (default: the spec's folder)."),
    ] = None,
    strict: StrictFlag = None,
    no_validate: NoValidateFlag = False,
) -> None:
    """Validate every item against the spec and the collection against the Postman v2.1 schema."""
    from agent.boundary.outbound.policy import check_collection_scripts
    from agent.check import check_collection, check_proposal
    from agent.cli.context import settings_from
    from agent.cli.inputs import spec_checks, warn_problems
    from agent.generate.postman import leaves
    from agent.models import Finding, IntentKind, Proposal
    from agent.models import Intent as IntentModel
    from agent.specs.load import load_spec

    if fmt not in ("text", "json"):
        raise UsageError(f"--format must be text or json, not {fmt!r}")
    try:
        data = json.loads(collection.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{collection}: no such file") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{collection}: not readable JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise InputError(f"{collection}: not a Postman collection (top level is not an object)")
    settings = settings_from(ctx, **spec_checks(strict, no_validate))
    revision = load_spec(spec, ref_root=ref_root, validate=settings.validate_specs, strict=settings.strict)
    warn_problems(revision)
    findings: list[Finding] = list(check_collection(data))
    # Scripts are judged against the variables the whole collection's requests protect.
    findings += check_collection_scripts(data)
    shared = {str(v.get("key")): v.get("value") for v in data.get("variable") or [] if isinstance(v, dict)}
    for pointer, item in leaves(data.get("item") or []):
        expected = _expected(item)
        intent = IntentModel(
            kind=IntentKind.CONTRACT,
            operation="?",
            path="?",
            method="?",
            expected_status=expected,
            text="validate",
            fingerprint="0" * 16,
        )
        proposal = Proposal(id=str(item.get("id") or pointer), intent=intent, item=item)
        for finding in check_proposal(proposal, revision, shared=shared):
            if finding.code in _REQUEST_CODES or finding.code.startswith("script-"):
                continue  # already reported above, located by JSON pointer
            findings.append(
                finding.model_copy(update={"location": f"{pointer} {item.get('name', '')}".strip()})
            )
    errors = sum(f.severity == "error" for f in findings)
    if fmt == "json":
        typer.echo(json.dumps([f.model_dump() for f in findings], indent=2))
    else:
        for f in findings:
            typer.echo(f"{f.severity}: {f.code}: {f.message}" + (f" ({f.location})" if f.location else ""))
        typer.echo(f"{errors} errors, {len(findings) - errors} other findings")
    if errors:
        raise ChecksFailed(f"{errors} errors in {collection.name}")


# What check_collection's check_request already reports, located by JSON pointer.
_REQUEST_CODES = frozenset(
    {"request-base-url", "request-literal-credential", "request-secret-in-url", "request-shape"}
)


def _expected(item: dict[str, Any]) -> str:
    """The status the item's script expects ("2XX" when it names none)."""
    import re

    text = "\n".join(
        line
        for event in item.get("event") or []
        if isinstance(event, dict)
        for line in ((event.get("script") or {}).get("exec") or [])
        if isinstance(line, str)
    )
    exact = re.search(r"to\.have\.status\((\d{3})\)", text)
    if exact:
        return exact.group(1)
    within = re.search(r"to\.be\.within\(([1-5])\d\d,\s*\d{3}\)", text)
    return f"{within.group(1)}XX" if within else "2XX"
