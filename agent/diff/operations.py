"""Per-operation comparison: endpoints, parameters, request bodies and responses."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agent.diff.bodies import BodyDiff
from agent.diff.emit import Emitter, op_pointer
from agent.diff.lifecycle import (
    STABILITY,
    SUNSET,
    deprecation_rule,
    removal_rule,
    stability_rule,
    sunset_change_rule,
)
from agent.diff.parameters import ParameterDiff
from agent.diff.schema import SchemaDiff
from agent.diff.unchanged import Unchanged
from agent.limits import DEFAULT_LIMITS, Limits
from agent.specs.document import Operation, operations

_TEMPLATE = re.compile(r"{[^}]*}")


def normalise(path: str) -> str:
    """``/pets/{id}`` and ``/pets/{petId}`` are the same endpoint."""
    return _TEMPLATE.sub("{}", path.rstrip("/") or "/")


def index(doc: dict[str, Any]) -> dict[tuple[str, str], Operation]:
    """Operations keyed by (normalised path, method)."""
    return {(normalise(op.path), op.method): op for op in operations(doc)}


class OperationDiff(ParameterDiff, BodyDiff):
    """Compares the operations of two documents and emits changes."""

    def __init__(
        self, base: dict[str, Any], rev: dict[str, Any], out: Emitter, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        self.base, self.rev, self.out = base, rev, out
        self.unchanged = Unchanged(base, rev)
        self.b_ops, self.r_ops = index(base), index(rev)
        self.schemas = SchemaDiff(base, rev, self.unchanged, max_enum_values=limits.max_enum_values)

    def run(self) -> None:
        """Emit every endpoint-level and inner change."""
        b_ops, r_ops = self.b_ops, self.r_ops
        r_paths = {k[0] for k in r_ops}
        for key, op in b_ops.items():
            if key not in r_ops:
                self._removed(op, whole_path=key[0] not in r_paths)
        for key, op in r_ops.items():
            if key not in b_ops:
                self.out.add(
                    "endpoint-added",
                    path=op.path,
                    method=op.method,
                    text=f"added {op.key}",
                    subject="endpoint",
                    revision=op_pointer(op.path, op.method),
                    after=op.spec,
                )
                continue
            b = b_ops[key]
            if self._same(b, op):
                continue  # equal, and everything it references is equal: nothing to report
            self._operation(b, op)

    def _same(self, b: Operation, r: Operation) -> bool:
        same = self.unchanged.same
        return (
            b.path == r.path
            and same(b.spec, r.spec)
            and same(b.path_item.get("parameters"), r.path_item.get("parameters"))
        )

    def _removed(self, op: Operation, whole_path: bool) -> None:
        rule = removal_rule(whole_path, op.spec, date.today())
        if rule is None:
            return
        what = "the path and its operation" if whole_path else "the operation"
        self.out.add(
            rule,
            path=op.path,
            method=op.method,
            text=f"removed {what} {op.key}",
            subject="endpoint",
            base=op_pointer(op.path, op.method),
            before=op.spec,
        )

    def _operation(self, b: Operation, r: Operation) -> None:
        bp, rp = op_pointer(b.path, b.method), op_pointer(r.path, r.method)
        out, path, method = self.out, r.path, r.method
        self._lifecycle(b, r, bp, rp)
        bid, rid = b.spec.get("operationId"), r.spec.get("operationId")
        if bid and bid != rid:
            out.add(
                "api-operation-id-removed",
                path=path,
                method=method,
                subject=["operationId", bid],
                text=f"operationId {bid!r} was removed" + (f" (now {rid!r})" if rid else ""),
                base=bp,
                revision=rp,
                before=bid,
                after=rid,
            )
        if rid and bid != rid and not bid:
            out.add(
                "api-operation-id-added",
                path=path,
                method=method,
                subject=["operationId", rid],
                text=f"operationId {rid!r} was added",
                base=bp,
                revision=rp,
                after=rid,
            )
        btags, rtags = set(b.spec.get("tags") or []), set(r.spec.get("tags") or [])
        for tag in sorted(map(str, btags - rtags)):
            out.add(
                "api-tag-removed",
                path=path,
                method=method,
                subject=["tag", tag],
                text=f"tag {tag!r} was removed",
                base=bp,
                revision=rp,
            )
        for tag in sorted(map(str, rtags - btags)):
            out.add(
                "api-tag-added",
                path=path,
                method=method,
                subject=["tag", tag],
                text=f"tag {tag!r} was added",
                base=bp,
                revision=rp,
            )
        self._parameters(b, r)
        self._request_body(b, r, bp, rp)
        self._responses(b, r, bp, rp)

    def _lifecycle(self, b: Operation, r: Operation, bp: str, rp: str) -> None:
        """Deprecation, sunset and stability of an operation present on both sides."""
        out, path, method = self.out, r.path, r.method
        was, now = b.spec.get("deprecated") is True, r.spec.get("deprecated") is True
        rules: list[tuple[str, str]] = []
        stability = stability_rule(b.spec, r.spec)
        if stability == "api-invalid-stability-level":
            rules.append((stability, f"{r.key} has an invalid {STABILITY}"))
        else:
            if stability:
                rules.append((stability, f"the stability level of {r.key} changed"))
            if now and not was:
                rules.append((deprecation_rule("endpoint", r.spec), f"{r.key} was deprecated"))
            elif was and not now:
                rules.append(("endpoint-reactivated", f"{r.key} is no longer deprecated"))
            elif was and now:
                changed = sunset_change_rule("endpoint", b.spec, r.spec)
                if changed:
                    rules.append((changed, f"the sunset date of {r.key} changed"))
        for rule, text in rules:
            out.add(
                rule,
                path=path,
                method=method,
                text=text,
                subject=["lifecycle", rule],
                base=bp,
                revision=rp,
                before={k: b.spec.get(k) for k in ("deprecated", SUNSET, STABILITY) if k in b.spec},
                after={k: r.spec.get(k) for k in ("deprecated", SUNSET, STABILITY) if k in r.spec},
            )
