"""`postwright review`: go through pending tests one at a time, or decide from the command line."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.errors import UsageError

if TYPE_CHECKING:
    from agent.review.decide import Decider
    from agent.review.queue import Filters
    from agent.store import SQLiteStore

NO_TTY = (
    "postwright review is interactive and needs a terminal; without one use --list [--json],"
    " --accept ID..., --reject ID... --reason TEXT or --accept-all-valid"
)


def command(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(help="Test ids for --accept / --reject.")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Only this run's tests (a run id).")] = None,
    operation: Annotated[
        str | None, typer.Option("--operation", help='Only this operation, e.g. "GET /pets".')
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only this intent kind, e.g. regression.")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the tests and their decisions.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --list: as JSON.")] = False,
    accept: Annotated[bool, typer.Option("--accept", help="Accept the tests named by ID...")] = False,
    reject: Annotated[
        bool, typer.Option("--reject", help="Reject the tests named by ID... (needs --reason).")
    ] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why they are rejected (one line).")] = None,
    accept_all_valid: Annotated[
        bool, typer.Option("--accept-all-valid", help="Accept every pending test without an error finding.")
    ] = False,
    as_: Annotated[
        str | None, typer.Option("--as", help="Record decisions as NAME (default: the OS user).")
    ] = None,
) -> None:
    """Review pending tests: accept, reject with a reason, skip or edit, then publish the accepted ones.

    Keys: a/Enter accept, r reject, s/Space skip, e edit, A/R/S all remaining, d diff, i info, ? help, q quit.
    """
    from agent.cli.context import settings_from
    from agent.review.decide import Decider, actor
    from agent.review.queue import Filters
    from agent.store import open_store

    modes = sum([list_, accept, reject, accept_all_valid])
    if modes > 1:
        raise UsageError("give one of --list, --accept, --reject, --accept-all-valid")
    if (accept or reject) and not ids:
        raise UsageError(f"--{'accept' if accept else 'reject'} needs the ids of the tests")
    if ids and not (accept or reject):
        raise UsageError("test ids are for --accept or --reject", hint="postwright review --accept ID...")
    if as_json and not list_:
        raise UsageError("--json goes with --list")
    if not modes and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(NO_TTY)
    settings = settings_from(ctx)
    who = actor(as_)
    filters = Filters(run, operation, kind)
    with open_store(settings.state_path, settings.state_url) as store:
        filters.check(store)
        decider = Decider(store, who)
        if list_:
            _list(store, filters, as_json)
        elif accept or reject:
            _decide(store, decider, ids or [], reject, reason)
        elif accept_all_valid:
            valid = [i for i in filters.ids(store) if (p := store.proposal(i)) is not None and _valid(p)]
            decider.accept(valid)
            typer.echo(f"accepted {len(valid)} tests as {who}")
        else:
            from agent.review.interactive import review

            review(store, settings, filters, decider)


def _valid(p: Any) -> bool:
    return not any(f.severity == "error" for f in p.findings)


def _decide(store: SQLiteStore, decider: Decider, ids: list[str], reject: bool, reason: str | None) -> None:
    """Decide named tests; an unknown id stops before anything is stored."""
    if not reject and reason is not None:
        raise UsageError("--reason goes with --reject")
    unknown = [i for i in ids if store.proposal(i) is None]
    if unknown:
        raise UsageError(f"no test with id {unknown[0]!r}", hint="postwright review --list shows the ids")
    if reject:
        decider.reject(ids, reason or "")
    else:
        decider.accept(ids)
    verb = "rejected" if reject else "accepted"
    typer.echo(f"{verb} {len(ids)} tests as {decider.who}")


def _list(store: SQLiteStore, filters: Filters, as_json: bool) -> None:
    """Every reviewable test (not those the checks dropped) with its latest decision."""
    from agent.review.queue import kind_of

    latest = store.latest_decisions()
    rows: list[dict[str, Any]] = []
    for p in store.proposals(run_id=filters.run_id):
        if p.status == "dropped" or (filters.operation and p.operation != filters.operation):
            continue
        if filters.kind and kind_of(p) != filters.kind:
            continue
        decision = latest.get(p.id)
        rows.append(
            {
                "id": p.id,
                "run_id": p.run_id,
                "operation": p.operation,
                "kind": kind_of(p),
                "name": p.name,
                "status": p.status,
                "catches_old": p.catches_old,
                "decision": decision.model_dump(mode="json", exclude={"proposal_id"}) if decision else None,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no tests to review here")
        return
    for r in rows:
        d = r["decision"] or {}
        why = f"  {d.get('actor')}: {d.get('reason')}" if r["status"] != "pending" else ""
        typer.echo(f"{r['id']}  {r['status']:<9} {r['operation']:<24} {r['kind']}{why}")
