"""Security requirements (global and per operation) and security scheme components."""

from __future__ import annotations

from typing import Any

from agent.diff.emit import Emitter, op_pointer
from agent.diff.schema import as_dict
from agent.specs.document import Operation


def _requirements(value: Any) -> dict[str, dict[str, set[str]]]:
    """Requirement objects keyed by their sorted scheme names, with each scheme's scopes."""
    out: dict[str, dict[str, set[str]]] = {}
    for req in value if isinstance(value, list) else []:
        if isinstance(req, dict):
            key = " AND ".join(sorted(map(str, req))) or "(none)"
            out[key] = {
                str(k): set(map(str, v or [])) for k, v in req.items() if isinstance(v, list) or v is None
            }
    return out


def _compare(out: Emitter, stem: str, b: Any, r: Any, path: str = "", method: str = "") -> None:
    bq, rq = _requirements(b), _requirements(r)
    where = f" of {method.upper()} {path}" if method else " (global)"
    ptr = op_pointer(path, method) + "/security" if method else "#/security"
    for key in sorted(bq.keys() - rq.keys()):
        out.add(
            f"{stem}-removed",
            path=path,
            method=method,
            text=f"removed the security requirement {key!r}{where}",
            subject=["security", key],
            base=ptr,
            before=bq[key] and {k: sorted(v) for k, v in bq[key].items()},
        )
    for key in sorted(rq.keys() - bq.keys()):
        out.add(
            f"{stem}-added",
            path=path,
            method=method,
            text=f"added the security requirement {key!r}{where}",
            subject=["security", key],
            revision=ptr,
            after={k: sorted(v) for k, v in rq[key].items()},
        )
    for key in sorted(bq.keys() & rq.keys()):
        for scheme in sorted(bq[key].keys() & rq[key].keys()):
            for scope in sorted(bq[key][scheme] - rq[key][scheme]):
                out.add(
                    f"{stem}-scope-removed",
                    path=path,
                    method=method,
                    subject=["scope", key, scheme, scope],
                    text=f"removed the scope {scope!r} of {scheme!r}{where}",
                    base=ptr,
                    revision=ptr,
                )
            for scope in sorted(rq[key][scheme] - bq[key][scheme]):
                out.add(
                    f"{stem}-scope-added",
                    path=path,
                    method=method,
                    subject=["scope", key, scheme, scope],
                    text=f"added the scope {scope!r} of {scheme!r}{where}",
                    base=ptr,
                    revision=ptr,
                )


def _schemes(doc: dict[str, Any]) -> dict[str, Any]:
    comps = as_dict(doc.get("components"))
    schemes = as_dict(comps.get("securitySchemes"))
    return schemes


def _flows(scheme: dict[str, Any]) -> dict[str, dict[str, Any]]:
    flows = scheme.get("flows")
    return {k: v for k, v in flows.items() if isinstance(v, dict)} if isinstance(flows, dict) else {}


def _components(out: Emitter, base: dict[str, Any], rev: dict[str, Any]) -> None:
    bs, rs = _schemes(base), _schemes(rev)
    ptr = "#/components/securitySchemes/"
    for name in sorted(bs.keys() - rs.keys()):
        out.add(
            "api-security-component-removed",
            text=f"removed the security scheme {name!r}",
            subject=["scheme", name],
            base=ptr + name,
            before=bs[name],
        )
    for name in sorted(rs.keys() - bs.keys()):
        out.add(
            "api-security-component-added",
            text=f"added the security scheme {name!r}",
            subject=["scheme", name],
            revision=ptr + name,
            after=rs[name],
        )
    for name in sorted(bs.keys() & rs.keys()):
        b, r = bs[name], rs[name]
        if not isinstance(b, dict) or not isinstance(r, dict):
            continue
        if b.get("type") != r.get("type"):
            out.add(
                "api-security-component-type-changed",
                subject=["scheme", name],
                before=b,
                after=r,
                text=f"the type of security scheme {name!r} changed: {b.get('type')} -> {r.get('type')}",
            )
        bf, rf = _flows(b), _flows(r)
        for flow in sorted(bf.keys() & rf.keys()):
            for field, rule in (
                ("authorizationUrl", "oauth-url-changed"),
                ("tokenUrl", "oauth-token-url-changed"),
            ):
                if bf[flow].get(field) != rf[flow].get(field):
                    out.add(
                        f"api-security-component-{rule}",
                        subject=["scheme", name, flow, field],
                        text=f"the {field} of {name!r} ({flow}) changed",
                        before=b,
                        after=r,
                    )
            bsc, rsc = bf[flow].get("scopes") or {}, rf[flow].get("scopes") or {}
            for scope in sorted(bsc.keys() - rsc.keys()):
                out.add(
                    "api-security-component-oauth-scope-removed",
                    subject=["scheme", name, flow, scope],
                    text=f"removed the scope {scope!r} from {name!r} ({flow})",
                    before=b,
                    after=r,
                )
            for scope in sorted(rsc.keys() - bsc.keys()):
                out.add(
                    "api-security-component-oauth-scope-added",
                    subject=["scheme", name, flow, scope],
                    text=f"added the scope {scope!r} to {name!r} ({flow})",
                    before=b,
                    after=r,
                )
            for scope in sorted(bsc.keys() & rsc.keys()):
                if bsc[scope] != rsc[scope]:
                    out.add(
                        "api-security-component-oauth-scope-changed",
                        subject=["scheme", name, flow, scope],
                        text=f"the description of scope {scope!r} of {name!r} changed",
                        before=b,
                        after=r,
                    )


def diff_security(
    out: Emitter,
    base: dict[str, Any],
    rev: dict[str, Any],
    b_ops: dict[tuple[str, str], Operation],
    r_ops: dict[tuple[str, str], Operation],
) -> None:
    """Emit global, per-operation and component security changes (operations keyed by index())."""
    _compare(out, "api-global-security", base.get("security"), rev.get("security"))
    _components(out, base, rev)
    for key in b_ops.keys() & r_ops.keys():
        b, r = b_ops[key], r_ops[key]
        bs, rs = b.spec.get("security"), r.spec.get("security")
        if bs != rs:
            _compare(out, "api-security", bs, rs, r.path, r.method)
