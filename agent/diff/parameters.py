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


Keyed = dict[tuple[str, str], tuple[dict[str, Any], str]]


def keyed_parameters(op: Operation, doc: dict[str, Any]) -> Keyed:
    """The operation's parameters (path item's, then its own) by (in, name), with their pointers."""
    out: Keyed = {}
    lists = ((op.path_item, op_pointer(op.path)), (op.spec, op_pointer(op.path, op.method)))
    for holder, ptr in lists:
        for i, raw in enumerate(holder.get("parameters") or []):
            p = resolve(doc, raw)
            if not isinstance(p, dict):
                continue
            where_ptr = raw["$ref"] if isinstance(raw, dict) and "$ref" in raw else f"{ptr}/parameters/{i}"
            where, name = str(p.get("in")), str(p.get("name"))
            out[(where, name.lower() if where == "header" else name)] = (p, where_ptr)
    return out


class ParameterDiff:
    """Mixin of :class:`agent.diff.operations.OperationDiff`: the parameter rules."""

    base: dict[str, Any]
    rev: dict[str, Any]
    out: Emitter
    schemas: SchemaDiff
    unchanged: Unchanged

    def _parameters(self, b: Operation, r: Operation) -> None:
        bparams, rparams = keyed_parameters(b, self.base), keyed_parameters(r, self.rev)
        # Path parameters renamed with the template ({id} -> {petId}) are the same parameter.
        b_path = [k for k in bparams if k[0] == "path" and k not in rparams]
        r_path = [k for k in rparams if k[0] == "path" and k not in bparams]
        renamed = dict(zip(b_path, r_path, strict=False)) if len(b_path) == len(r_path) else {}
        for key, (bparam, bpp) in bparams.items():
            rkey = renamed.get(key, key)
            if rkey in rparams:
                self._changed_parameter(r, key, (bparam, bpp), rparams[rkey])
            else:
                self._removed_parameter(b, r, key, bparam, bpp)
        for key, (rparam, rpp) in rparams.items():
            if key not in bparams and key not in renamed.values():
                self._added_parameter(b, r, key, rparam, rpp)

    def _removed_parameter(
        self, b: Operation, r: Operation, key: tuple[str, str], bparam: dict[str, Any], bpp: str
    ) -> None:
        rule = parameter_removal_rule(bparam, b.spec, date.today())
        if rule is None:
            return
        where, name = key
        self.out.add(
            rule,
            path=r.path,
            method=r.method,
            text=f"removed the {where} request parameter '{bparam.get('name')}'",
            subject=["param", where, name],
            base=bpp,
            revision=op_pointer(r.path, r.method),
            before=bparam,
        )

    def _added_parameter(
        self, b: Operation, r: Operation, key: tuple[str, str], rparam: dict[str, Any], rpp: str
    ) -> None:
        where, name = key
        required = rparam.get("required") is True
        if where == "path":
            rule = "new-request-path-parameter"
        else:
            rule = "new-required-request-parameter" if required else "new-optional-request-parameter"
        req = "required " if required else ""
        self.out.add(
            rule,
            path=r.path,
            method=r.method,
            text=f"added the {req}{where} request parameter '{rparam.get('name')}'",
            subject=["param", where, name],
            base=op_pointer(b.path, b.method),
            revision=rpp,
            after=rparam,
        )

    def _changed_parameter(
        self,
        r: Operation,
        key: tuple[str, str],
        before: tuple[dict[str, Any], str],
        after: tuple[dict[str, Any], str],
    ) -> None:
        """A parameter in both versions: required, lifecycle and schema changes."""
        (bparam, bpp), (rparam, rpp) = before, after
        where, name = key
        label = f"the {where} request parameter '{bparam.get('name')}'"
        subject = ["param", where, name]
        located: dict[str, Any] = {"path": r.path, "method": r.method, "base": bpp, "revision": rpp}
        breq, rreq = bparam.get("required") is True, rparam.get("required") is True
        if breq != rreq:
            became = "required" if rreq else "optional"
            self.out.add(
                f"request-parameter-became-{became}",
                subject=subject,
                text=f"{label} became {became}",
                before=bparam,
                after=rparam,
                **located,
            )
        lifecycle = _lifecycle(label, bparam, rparam)
        if lifecycle is not None:
            self.out.add(lifecycle[0], subject=[*subject, "lifecycle"], text=lifecycle[1], **located)
        bs, rs = param_schema(bparam), param_schema(rparam)
        if bs is None or rs is None:
            return
        widened = self._scalar_to_array(rparam, bs, rs)
        if widened:
            self.out.add(
                widened,
                path=r.path,
                method=r.method,
                subject=[*subject, "scalar-to-array"],
                text=f"{label} changed from single values to an array of them",
                base=f"{bpp}/schema",
                revision=f"{rpp}/schema",
                before=bs,
                after=rs,
            )
            return
        raws = self.schemas.compare(bs, rs, f"{bpp}/schema", f"{rpp}/schema")
        self.out.emit_schema(raws, "param", label, subject, r.path, r.method)

    def _scalar_to_array(self, param: dict[str, Any], bs: Any, rs: Any) -> str | None:
        b, _ = self.schemas.deref(self.base, bs, "")
        r, _ = self.schemas.deref(self.rev, rs, "")
        if not isinstance(b, dict) or not isinstance(r, dict):
            return None
        return scalar_to_array(param, b, r, self.schemas.deref(self.rev, r.get("items"), "")[0])


def _lifecycle(label: str, bparam: dict[str, Any], rparam: dict[str, Any]) -> tuple[str, str] | None:
    """The (rule, text) of a deprecation, reactivation or sunset change, if there is one."""
    bdep, rdep = bparam.get("deprecated") is True, rparam.get("deprecated") is True
    if rdep and not bdep:
        rule = deprecation_rule("param", rparam)
        return (rule, f"{label} was deprecated") if rule else None
    if bdep and not rdep:
        return "request-parameter-reactivated", f"{label} is no longer deprecated"
    if bdep and rdep:
        sunset = sunset_change_rule("param", bparam, rparam)
        return (sunset, f"the sunset date of {label} changed") if sunset else None
    return None
