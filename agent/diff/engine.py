"""Two specs → the sorted list of changes between them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.diff.emit import Emitter
from agent.diff.operations import OperationDiff
from agent.diff.schema import MAX_SCHEMA_DEPTH, as_dict
from agent.diff.security import diff_security
from agent.limits import DEFAULT_LIMITS, Limits
from agent.models import Change, Finding, SpecDocument


def _webhooks(out: Emitter, base: dict[str, Any], rev: dict[str, Any]) -> None:
    bw = as_dict(base.get("webhooks"))
    rw = as_dict(rev.get("webhooks"))
    for name in sorted(rw.keys() - bw.keys()):
        out.add(
            "webhook-added",
            text=f"added the webhook {name!r}",
            subject=["webhook", name],
            revision=f"#/webhooks/{name}",
            after=rw[name],
        )
    for name in sorted(bw.keys() - rw.keys()):
        out.add(
            "webhook-removed",
            text=f"removed the webhook {name!r}",
            subject=["webhook", name],
            base=f"#/webhooks/{name}",
            before=bw[name],
        )


def _schemas_removed(out: Emitter, base: dict[str, Any], rev: dict[str, Any]) -> None:
    def names(doc: dict[str, Any]) -> set[str]:
        comps = as_dict(doc.get("components"))
        schemas = comps.get("schemas")
        return set(schemas) if isinstance(schemas, dict) else set()

    for name in sorted(names(base) - names(rev)):
        out.add(
            "api-schema-removed",
            text=f"removed the component schema {name!r}",
            subject=["schema", name],
            base=f"#/components/schemas/{name}",
        )


def _emitted(
    base: dict[str, Any], rev: dict[str, Any], limits: Limits, notes: list[Finding] | None
) -> Emitter:
    """Every change between two bundled documents, held as records (see :class:`Emitter`)."""
    out = Emitter()
    ops = OperationDiff(base, rev, out, limits)
    ops.run()
    deep = sorted(set(ops.schemas.too_deep))
    if deep and notes is not None:
        notes.append(
            Finding(
                severity="warning",
                code="limit-schema-depth",
                message=f"schemas differ more than {MAX_SCHEMA_DEPTH} levels deep at {len(deep):,} "
                f"place{'s' if len(deep) > 1 else ''} (first: {deep[0][:200]}); changes below that depth "
                "are not listed",
            )
        )
    diff_security(out, base, rev, ops.b_ops, ops.r_ops)
    _webhooks(out, base, rev)
    _schemas_removed(out, base, rev)
    return out


def diff_documents(
    base: dict[str, Any],
    rev: dict[str, Any],
    limits: Limits = DEFAULT_LIMITS,
    notes: list[Finding] | None = None,
) -> list[Change]:
    """Changes between two bundled OpenAPI 3.x documents (all refs local).

    Schemas that still differ more than ``MAX_SCHEMA_DEPTH`` levels down are not compared
    further; ``notes`` gets one finding saying where.
    """
    return _emitted(base, rev, limits, notes).changes


def diff_specs(
    base: SpecDocument,
    revision: SpecDocument,
    limits: Limits = DEFAULT_LIMITS,
    notes: list[Finding] | None = None,
) -> list[Change]:
    """Every change from ``base`` to ``revision`` in oasdiff's rule vocabulary, errors first.

    Both documents come from :func:`agent.specs.load.load_spec` (bundled, Swagger 2.0 converted).
    Each change carries the old and new schema fragments (``before`` / ``after``) and a
    fingerprint that depends on what changed, not on key order or formatting. More than
    ``limits.max_enum_values`` enum values added (or removed) at one schema are one change.
    """
    return diff_documents(base.document, revision.document, limits, notes)


def diff_capped(
    base: SpecDocument,
    revision: SpecDocument,
    limits: Limits = DEFAULT_LIMITS,
    notes: list[Finding] | None = None,
) -> tuple[list[Change], int]:
    """The first ``limits.max_changes`` changes of :func:`diff_specs` and how many there are in all.

    The same changes as ``cap_changes(diff_specs(...))``, but only the kept ones are built
    (Stripe's old → new gives 145,352): the cap bites while diffing, not after. ``notes`` gets
    the ``limit-max-changes`` notice when some are left out.
    """
    out = _emitted(base.document, revision.document, limits, notes)
    total = len(out)
    kept = out.first(limits.max_changes)
    if total > limits.max_changes and notes is not None:
        notes.append(_capped(total, limits))
    return kept, total


def _capped(total: int, limits: Limits) -> Finding:
    """The notice for changes left out by ``limits.max_changes``."""
    message = (
        f"{total:,} changes: only the first {limits.max_changes:,} (errors first) are planned, "
        f"{total - limits.max_changes:,} left out (limits.max_changes)"
    )
    return Finding(severity="warning", code="limit-max-changes", message=message)


def cap_changes(
    changes: Sequence[Change], limits: Limits = DEFAULT_LIMITS
) -> tuple[list[Change], Finding | None]:
    """The first ``limits.max_changes`` changes (they are sorted errors first) and a notice for the rest."""
    kept = list(changes[: limits.max_changes])
    if len(changes) <= limits.max_changes:
        return kept, None
    return kept, _capped(len(changes), limits)
