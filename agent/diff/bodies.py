"""Request bodies, responses, media types and response headers of one operation."""

from __future__ import annotations

from typing import Any

from agent.diff.emit import Emitter
from agent.diff.media import name_change
from agent.diff.parameters import param_schema
from agent.diff.schema import SchemaDiff, as_dict, escape
from agent.diff.unchanged import Unchanged
from agent.specs.document import Operation, resolve


class BodyDiff:
    """Mixin of :class:`agent.diff.operations.OperationDiff`: request body and response rules."""

    base: dict[str, Any]
    rev: dict[str, Any]
    out: Emitter
    schemas: SchemaDiff
    unchanged: Unchanged

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
        renamed = self._renamed_media_type(bc, rc) if scope == "response" else None
        if renamed:
            old_mt, new_mt, how = renamed
            out.add(
                f"response-media-type-name-{how}",
                path=path,
                method=method,
                text=f"the media type {old_mt!r} of {where} became {new_mt!r}",
                subject=[scope, status, old_mt, new_mt],
                base=f"{bp}/content/{escape(old_mt)}",
                revision=f"{rp}/content/{escape(new_mt)}",
                before=old_mt,
                after=new_mt,
            )
            bc, rc = dict(bc), dict(rc)
            bc[new_mt] = bc.pop(old_mt)  # compare the schemas as one media type
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
            elif bs is not None and self.unchanged.same(bs, rs):
                continue
            elif bs is not None and self.schemas.wrapped_in_one_of(bs, rs):
                out.add(
                    f"{body}-wrapped-in-one-of",
                    path=path,
                    method=method,
                    subject=[scope, status, mt, "wrapped"],
                    text=f"the schema of {mt!r} of {where} was wrapped in a oneOf",
                    base=bptr,
                    revision=rptr,
                    before=bs,
                    after=rs,
                )
            elif bs is not None:
                label = f"{where} ({mt})"
                out.emit_schema(
                    self.schemas.compare(bs, rs, bptr, rptr), scope, label, [scope, status, mt], path, method
                )

    @staticmethod
    def _renamed_media_type(bc: dict[str, Any], rc: dict[str, Any]) -> tuple[str, str, str] | None:
        """(old, new, how) when one response media type was replaced by a related one."""
        gone, new = list(bc.keys() - rc.keys()), list(rc.keys() - bc.keys())
        if len(gone) != 1 or len(new) != 1:
            return None
        how = name_change(gone[0], new[0])
        return (gone[0], new[0], how) if how else None

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
            bs, rs = param_schema(b), param_schema(r)
            if bs is not None and rs is not None:
                label = f"the response header {name!r} of the {status} response"
                raws = self.schemas.compare(
                    bs, rs, f"{bp}/headers/{escape(name)}/schema", f"{rp}/headers/{escape(name)}/schema"
                )
                out.emit_schema(raws, "header", label, ["header", status, name], path, method)
