"""Request parameters of one operation: added, removed, required, deprecated, and their schemas."""

from __future__ import annotations

from datetime import date
from typing import Any

from agent.diff.emit import Emitter, op_pointer
from agent.diff.lifecycle import deprecation_rule, parameter_removal_rule, sunset_change_rule
from agent.diff.schema import SchemaDiff
from agent.diff.shapes import scalar_to_array
from agent.diff.unchanged import Unchanged
from agent.specs.document import Operation, resolve


def param_schema(param: dict[str, Any]) -> Any:
    """A parameter's or header's schema (``schema``, or the one media type of ``content``)."""
    if "schema" in param:
        return param["schema"]
    content = param.get("content")
    if isinstance(content, dict) and content:
        first = next(iter(content.values()))
        return first.get("schema") if isinstance(first, dict) else None
    return None


class ParameterDiff:
    """Mixin of :class:`agent.diff.operations.OperationDiff`: the parameter rules."""

    base: dict[str, Any]
    rev: dict[str, Any]
    out: Emitter
    schemas: SchemaDiff
    unchanged: Unchanged

    def _parameters(self, b: Operation, r: Operation) -> None:
        def keyed(op: Operation, doc: dict[str, Any]) -> dict[tuple[str, str], tuple[dict[str, Any], str]]:
            out: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
            lists = ((op.path_item, op_pointer(op.path)), (op.spec, op_pointer(op.path, op.method)))
            for holder, ptr in lists:
                for i, raw in enumerate(holder.get("parameters") or []):
                    p = resolve(doc, raw)
                    if not isinstance(p, dict):
                        continue
                    where_ptr = (
                        raw["$ref"] if isinstance(raw, dict) and "$ref" in raw else f"{ptr}/parameters/{i}"
                    )
                    where, name = str(p.get("in")), str(p.get("name"))
                    out[(where, name.lower() if where == "header" else name)] = (p, where_ptr)
            return out

        bparams, rparams = keyed(b, self.base), keyed(r, self.rev)
        path, method, out = r.path, r.method, self.out
        # Path parameters renamed with the template ({id} -> {petId}) are the same parameter.
        b_path = [k for k in bparams if k[0] == "path" and k not in rparams]
        r_path = [k for k in rparams if k[0] == "path" and k not in bparams]
        renamed = dict(zip(b_path, r_path, strict=False)) if len(b_path) == len(r_path) else {}
        bp, rp = op_pointer(b.path, b.method), op_pointer(r.path, r.method)
        for key, (bparam, bpp) in bparams.items():
            where, name = key
            label = f"the {where} request parameter '{bparam.get('name')}'"
            rkey = renamed.get(key, key)
            if rkey not in rparams:
                rule = parameter_removal_rule(bparam, b.spec, date.today())
                if rule is None:
                    continue
                out.add(
                    rule,
                    path=path,
                    method=method,
                    text=f"removed {label}",
                    subject=["param", where, name],
                    base=bpp,
                    revision=rp,
                    before=bparam,
                )
                continue
            rparam, rpp = rparams[rkey]
            subject = ["param", where, name]
            breq, rreq = bparam.get("required") is True, rparam.get("required") is True
            if rreq and not breq:
                out.add(
                    "request-parameter-became-required",
                    path=path,
                    method=method,
                    subject=subject,
                    text=f"{label} became required",
                    base=bpp,
                    revision=rpp,
                    before=bparam,
                    after=rparam,
                )
            elif breq and not rreq:
                out.add(
                    "request-parameter-became-optional",
                    path=path,
                    method=method,
                    subject=subject,
                    text=f"{label} became optional",
                    base=bpp,
                    revision=rpp,
                    before=bparam,
                    after=rparam,
                )
            bdep, rdep = bparam.get("deprecated") is True, rparam.get("deprecated") is True
            dep_rule = None
            if rdep and not bdep:
                dep_rule, dep_text = deprecation_rule("param", rparam), f"{label} was deprecated"
            elif bdep and not rdep:
                dep_rule, dep_text = "request-parameter-reactivated", f"{label} is no longer deprecated"
            elif bdep and rdep:
                dep_rule = sunset_change_rule("param", bparam, rparam)
                dep_text = f"the sunset date of {label} changed"
            if dep_rule:
                out.add(
                    dep_rule,
                    path=path,
                    method=method,
                    subject=[*subject, "lifecycle"],
                    text=dep_text,
                    base=bpp,
                    revision=rpp,
                )
            bs, rs = param_schema(bparam), param_schema(rparam)
            if bs is not None and rs is not None:
                widened = self._scalar_to_array(rparam, bs, rs)
                if widened:
                    out.add(
                        widened,
                        path=path,
                        method=method,
                        subject=[*subject, "scalar-to-array"],
                        text=f"{label} changed from single values to an array of them",
                        base=f"{bpp}/schema",
                        revision=f"{rpp}/schema",
                        before=bs,
                        after=rs,
                    )
                    continue
                raws = self.schemas.compare(bs, rs, f"{bpp}/schema", f"{rpp}/schema")
                out.emit_schema(raws, "param", label, subject, path, method)
        for key, (rparam, rpp) in rparams.items():
            if key in bparams or key in renamed.values():
                continue
            where, name = key
            if where == "path":
                rule = "new-request-path-parameter"
            else:
                rule = (
                    "new-required-request-parameter"
                    if rparam.get("required") is True
                    else "new-optional-request-parameter"
                )
            req = "required " if rparam.get("required") is True else ""
            out.add(
                rule,
                path=path,
                method=method,
                text=f"added the {req}{where} request parameter '{rparam.get('name')}'",
                subject=["param", where, name],
                base=bp,
                revision=rpp,
                after=rparam,
            )

    def _scalar_to_array(self, param: dict[str, Any], bs: Any, rs: Any) -> str | None:
        b, _ = self.schemas.deref(self.base, bs, "")
        r, _ = self.schemas.deref(self.rev, rs, "")
        if not isinstance(b, dict) or not isinstance(r, dict):
            return None
        return scalar_to_array(param, b, r, self.schemas.deref(self.rev, r.get("items"), "")[0])
