"""`postwright generate`: Postman tests for a spec change (and failed calls in logs), no model needed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.errors import UsageError

if TYPE_CHECKING:
    from agent.models import LogSignal, SpecDocument


def command(
    spec: Annotated[str, typer.Option("--spec", help="The new spec (file, URL or git:REF:path).")],
    base: Annotated[
        str | None, typer.Option("--base", help="The old spec; without it every operation counts as added.")
    ] = None,
    logs: Annotated[
        list[Path] | None, typer.Option("--logs", help="Airflow task log files or folders (repeatable).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the collection here (default: stdout).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for generated test data.")] = 0,
    name: Annotated[
        str | None, typer.Option("--name", help="Collection name (default: the spec title).")
    ] = None,
    folders: Annotated[str, typer.Option("--folders", help="Group items by tag, operation or none.")] = "tag",
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Value of {{baseUrl}} (default: the spec's first server)."),
    ] = None,
) -> int:
    """Plan, generate and validate Postman v2.1 tests; invalid proposals are dropped with a reason."""
    from agent.diff import diff_specs
    from agent.generate.postman import build_collection, operation_tags
    from agent.generate.rules import generate
    from agent.plan import plan
    from agent.specs.load import load_spec
    from agent.validate import check_collection, check_proposal

    if folders not in ("tag", "operation", "none"):
        raise UsageError(f"--folders must be tag, operation or none, not {folders!r}")
    revision = load_spec(spec)
    changes = diff_specs(load_spec(base), revision) if base else []
    signals = _signals(logs or [], revision)
    intents = plan(changes, signals, revision, full_spec=base is None)
    kept = []
    for proposal in generate(intents, revision, seed=seed):
        errors = [f for f in check_proposal(proposal, revision) if f.severity == "error"]
        if errors:
            sys.stderr.write(f"postwright: dropped {proposal.id}: {errors[0].code}: {errors[0].message}\n")
            continue
        kept.append(proposal)
    doc = revision.document
    title = name or str((doc.get("info") or {}).get("title") or "postwright tests")
    servers = doc.get("servers") or [{}]
    url = (
        base_url or str(servers[0].get("url") or "http://localhost")
        if isinstance(servers[0], dict)
        else "http://localhost"
    )
    collection = build_collection(title, kept, base_url=url, folders=folders, tags=operation_tags(doc))
    problems = [f for f in check_collection(collection) if f.severity == "error"]
    if problems:
        raise UsageError(f"the generated collection is invalid: {problems[0].message}")
    text = json.dumps(collection, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    sys.stderr.write(
        f"postwright: {len(changes)} changes, {len(signals)} failed calls, {len(intents)} intents, "
        f"{len(kept)} tests kept, {len(intents) - len(kept)} dropped\n"
    )
    return 0


def _signals(paths: list[Path], revision: SpecDocument) -> list[LogSignal]:
    """Failed HTTP calls in the logs, redacted on the way in."""
    if not paths:
        return []
    try:
        from agent.boundary.redact import Redactor
        from agent.boundary.sanitize import sanitize_log
        from agent.sources.logfiles import LogFiles
        from agent.sources.signals import extract_signals
    except ImportError as exc:
        raise UsageError(f"log signal extraction is not available in this build ({exc.name})") from None
    redactor = Redactor()
    seen: set[str] = set()
    out = []
    for raw in LogFiles(paths).logs():
        for signal in extract_signals(sanitize_log(redactor, raw), revision, provenance=raw.provenance):
            if signal.fingerprint not in seen:
                seen.add(signal.fingerprint)
                out.append(signal)
    return out
