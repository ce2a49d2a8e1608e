"""Per-operation comparison: endpoints, parameters, request bodies and responses."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agent.diff.emit import Emitter, op_pointer
from agent.diff.schema import SchemaDiff, as_dict, escape
from agent.specs.document import Operation, operations, resolve

_TEMPLATE = re.compile(r"{[^}]*}")


def normalise(path: str) -> str:
    """``/pets/{id}`` and ``/pets/{petId}`` are the same endpoint."""
    return _TEMPLATE.sub("{}", path.rstrip("/") or "/")


def index(doc: dict[str, Any]) -> dict[tuple[str, str], Operation]:
    """Operations keyed by (normalised path, method)."""
    return {(normalise(op.path), op.method): op for op in operations(doc)}


def _sunset_in_future(op: dict[str, Any]) -> bool:
    raw = op.get("x-sunset")
    try:
        return raw is not None and date.fromisoformat(str(raw)[:10]) > date.today()
    except ValueError:
        return False


class OperationDiff:
    """Compares the operations of two documents and emits changes."""

    def __init__(self, base: dict[str, Any], rev: dict[str, Any], out: Emitter) -> None:
        self.base, self.rev, self.out = base, rev, out
        self.schemas = SchemaDiff(base, rev)

    def run(self) -> None:
        """Emit every endpoint-level and inner change."""
        b_ops, r_ops = index(self.base), index(self.rev)
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
            self._operation(b_ops[key], op)

    def _removed(self, op: Operation, whole_path: bool) -> None:
        stem = "api-path-removed" if whole_path else "api-removed"
        if op.spec.get("deprecated") is True:
            rule = f"{stem}-before-sunset" if _sunset_in_future(op.spec) else f"{stem}-with-deprecation"
        else:
            rule = f"{stem}-without-deprecation"
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
        was, now = b.spec.get("deprecated") is True, r.spec.get("deprecated") is True
        if now and not was:
            rule = "endpoint-deprecated-with-sunset" if "x-sunset" in r.spec else "endpoint-deprecated"
            out.add(
                rule,
                path=path,
                method=method,
                text=f"{r.key} was deprecated",
                subject="deprecated",
                base=bp,
                revision=rp,
            )
        elif was and not now:
            out.add(
                "endpoint-reactivated",
                path=path,
                method=method,
                text=f"{r.key} is no longer deprecated",
                subject="deprecated",
                base=bp,
                revision=rp,
            )
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
                rule = "request-parameter-removed"
                if bparam.get("deprecated") is True:
                    rule = "request-parameter-removed-with-deprecation"
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
            if rdep and not bdep:
                out.add(
                    "request-parameter-deprecated",
                    path=path,
                    method=method,
                    subject=subject,
                    text=f"{label} was deprecated",
                    base=bpp,
                    revision=rpp,
                )
            elif bdep and not rdep:
                out.add(
                    "request-parameter-reactivated",
                    path=path,
                    method=method,
                    subject=subject,
                    text=f"{label} is no longer deprecated",
                    base=bpp,
                    revision=rpp,
                )
            bs, rs = _param_schema(bparam), _param_schema(rparam)
            if bs is not None and rs is not None:
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

    def _request_body(self, b: Operation, r: Operation, bp: str, rp: str) -> None:
        bb = resolve(self.base, b.spec.get("requestBody"))
        rb = resolve(self.rev, r.spec.get("requestBody"))
        path, method, out = r.path, r.method, self.out
        if not isinstance(bb, dict) and not isinstance(rb, dict):
            return
        if not isinstance(bb, dict):
            req = "required" if rb.get("required") is True else "optional"
            out.add(
                f"request-body-added-{req}",
                path=path,
                method=method,
                text=f"added a {req} request body",
                subject="request-body",
                revision=f"{rp}/requestBody",
                after=rb,
            )
            return
        if not isinstance(rb, dict):
            out.add(
                "request-body-removed",
                path=path,
                method=method,
                text="removed the request body",
                subject="request-body",
                base=f"{bp}/requestBody",
                before=bb,
            )
            return
        breq, rreq = bb.get("required") is True, rb.get("required") is True
        if breq != rreq:
            rule = "request-body-became-required" if rreq else "request-body-became-optional"
            out.add(
                rule,
                path=path,
                method=method,
                text=f"the request body became {'required' if rreq else 'optional'}",
                subject="request-body",
                base=f"{bp}/requestBody",
                revision=f"{rp}/requestBody",
            )
        self._content(bb, rb, f"{bp}/requestBody", f"{rp}/requestBody", path, method, "request", None)

    def _content(
        self,
        bo: dict[str, Any],
        ro: dict[str, Any],
        bp: str,
        rp: str,
        path: str,
        method: str,
        scope: str,
        status: str | None,
    ) -> None:
        bc = as_dict(bo.get("content"))
        rc = as_dict(ro.get("content"))
        out = self.out
        where = "the request body" if scope == "request" else f"the {status} response"
        stem = "request-body-media-type" if scope == "request" else "response-media-type"
        for mt in bc.keys() - rc.keys():
            out.add(
                f"{stem}-removed",
                path=path,
                method=method,
                text=f"removed the media type {mt!r} from {where}",
                subject=[scope, status, mt],
                base=f"{bp}/content/{escape(mt)}",
                before=bc[mt],
            )
        for mt in rc.keys() - bc.keys():
            out.add(
                f"{stem}-added",
                path=path,
                method=method,
                text=f"added the media type {mt!r} to {where}",
                subject=[scope, status, mt],
                revision=f"{rp}/content/{escape(mt)}",
                after=rc[mt],
            )
        for mt in sorted(bc.keys() & rc.keys()):
            bm, rm = bc[mt] if isinstance(bc[mt], dict) else {}, rc[mt] if isinstance(rc[mt], dict) else {}
            bptr, rptr = f"{bp}/content/{escape(mt)}/schema", f"{rp}/content/{escape(mt)}/schema"
            bs, rs = bm.get("schema"), rm.get("schema")
            body = "request-body" if scope == "request" else "response-body"
            if bs is None and rs is not None:
                out.add(
                    f"{body}-media-type-schema-added",
                    path=path,
                    method=method,
                    subject=[scope, status, mt],
                    text=f"added a schema to {mt!r} of {where}",
                    revision=rptr,
                    after=rs,
                )
            elif bs is not None and rs is None:
                out.add(
                    f"{body}-media-type-schema-removed",
                    path=path,
                    method=method,
                    subject=[scope, status, mt],
                    text=f"removed the schema of {mt!r} from {where}",
                    base=bptr,
                    before=bs,
                )
            elif bs is not None:
                label = f"{where} ({mt})"
                out.emit_schema(
                    self.schemas.compare(bs, rs, bptr, rptr), scope, label, [scope, status, mt], path, method
                )

    def _responses(self, b: Operation, r: Operation, bp: str, rp: str) -> None:
        br = as_dict(b.spec.get("responses"))
        rr = as_dict(r.spec.get("responses"))
        path, method, out = r.path, r.method, self.out
        for status in map(str, br.keys() - rr.keys()):
            kind = "success" if status.startswith("2") else "non-success"
            out.add(
                f"response-{kind}-status-removed",
                path=path,
                method=method,
                text=f"removed the {status} response",
                subject=["status", status],
                base=f"{bp}/responses/{status}",
                before=br[status],
            )
        for status in map(str, rr.keys() - br.keys()):
            kind = "success" if status.startswith("2") else "non-success"
            out.add(
                f"response-{kind}-status-added",
                path=path,
                method=method,
                text=f"added the {status} response",
                subject=["status", status],
                revision=f"{rp}/responses/{status}",
                after=rr[status],
            )
        for status in sorted(map(str, br.keys() & rr.keys())):
            bo, ro = resolve(self.base, br[status]), resolve(self.rev, rr[status])
            if not isinstance(bo, dict) or not isinstance(ro, dict):
                continue
            sp, srp = f"{bp}/responses/{status}", f"{rp}/responses/{status}"
            self._content(bo, ro, sp, srp, path, method, "response", status)
            self._headers(bo, ro, sp, srp, path, method, status)

    def _headers(
        self, bo: dict[str, Any], ro: dict[str, Any], bp: str, rp: str, path: str, method: str, status: str
    ) -> None:
        bh = {k.lower(): resolve(self.base, v) for k, v in (bo.get("headers") or {}).items()}
        rh = {k.lower(): resolve(self.rev, v) for k, v in (ro.get("headers") or {}).items()}
        out = self.out
        for name in sorted(bh.keys() - rh.keys()):
            req = isinstance(bh[name], dict) and bh[name].get("required") is True
            out.add(
                "required-response-header-removed" if req else "optional-response-header-removed",
                path=path,
                method=method,
                text=f"removed the response header {name!r} from the {status} response",
                subject=["header", status, name],
                base=f"{bp}/headers/{escape(name)}",
                before=bh[name],
            )
        for name in sorted(rh.keys() - bh.keys()):
            out.add(
                "response-header-added",
                path=path,
                method=method,
                subject=["header", status, name],
                text=f"added the response header {name!r} to the {status} response",
                revision=f"{rp}/headers/{escape(name)}",
                after=rh[name],
            )
        for name in sorted(bh.keys() & rh.keys()):
            b, r = bh[name], rh[name]
            if not isinstance(b, dict) or not isinstance(r, dict):
                continue
            if b.get("required") is True and r.get("required") is not True:
                out.add(
                    "response-header-became-optional",
                    path=path,
                    method=method,
                    subject=["header", status, name],
                    text=f"the response header {name!r} of the {status} response became optional",
                )
            bs, rs = _param_schema(b), _param_schema(r)
            if bs is not None and rs is not None:
                label = f"the response header {name!r} of the {status} response"
                raws = self.schemas.compare(
                    bs, rs, f"{bp}/headers/{escape(name)}/schema", f"{rp}/headers/{escape(name)}/schema"
                )
                out.emit_schema(raws, "header", label, ["header", status, name], path, method)


def _param_schema(param: dict[str, Any]) -> Any:
    """A parameter's or header's schema (``schema``, or the one media type of ``content``)."""
    if "schema" in param:
        return param["schema"]
    content = param.get("content")
    if isinstance(content, dict) and content:
        first = next(iter(content.values()))
        return first.get("schema") if isinstance(first, dict) else None
    return None
