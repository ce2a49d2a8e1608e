"""Log signals (failed HTTP calls) → regression drafts that replay the request's shape."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from agent.generate import spec_view
from agent.models import IntentKind, LogSignal
from agent.plan.draft import Draft
from agent.specs.document import operations
from agent.urls import split_url


def drafts_for_signal(signal: LogSignal, doc: dict[str, Any]) -> list[Draft]:
    """One regression draft, or none when the call matches no operation of the spec."""
    url_path, query = _split(signal.url)
    matched = _match(signal, doc, url_path)
    if matched is None:
        return []
    path, method, values = matched
    op = spec_view.find_operation(doc, method, path)
    if op is None:
        return []
    status = str(signal.status) if signal.status else "error"
    where = _where(signal)
    draft = Draft(
        IntentKind.REGRESSION,
        op.key,
        op.path,
        op.method.upper(),
        spec_view.success_status(op),
        f"regression: {op.key} failed with {status} in {where}; a valid request must succeed",
        {"observed_status": signal.status, "query_keys": sorted(query)},
        signals=[signal.provenance],
        observed={"observed": {"path": values, "query": query, "error_keys": list(signal.error_keys)}},
    )
    return [draft]


def _where(signal: LogSignal) -> str:
    prov = signal.provenance
    parts = [p for p in (prov.dag_id, prov.run_id, prov.task_id) if p]
    if prov.try_number is not None:
        parts.append(f"try {prov.try_number}")
    return "/".join(parts[:3]) + (f" {parts[3]}" if len(parts) > 3 else "") if parts else "a log"


def _split(url: str) -> tuple[str, dict[str, str]]:
    """Path and query of a (possibly redacted, possibly relative) URL; userinfo is dropped."""
    url = url.strip()
    parts = split_url(url if "://" in url or url.startswith("/") else f"/{url}")
    return parts.path or "/", dict(parse_qsl(parts.query, keep_blank_values=True))


def _match(signal: LogSignal, doc: dict[str, Any], url_path: str) -> tuple[str, str, dict[str, str]] | None:
    """(spec path, method, path values) for the signal."""
    if signal.operation and " " in signal.operation:
        method, path = signal.operation.split(" ", 1)
        return path, method.lower(), _values(path, url_path, doc) or {}
    method = signal.method.lower()
    for op in operations(doc):
        if op.method != method:
            continue
        values = _values(op.path, url_path, doc)
        if values is not None:
            return op.path, method, values
    return None


def _values(template: str, url_path: str, doc: dict[str, Any]) -> dict[str, str] | None:
    """Path parameter values if ``url_path`` (minus a server prefix) fits ``template``."""
    names = re.findall(r"\{([^}]+)\}", template)
    pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template.rstrip("/"))) + "/?$"
    regex = re.compile(pattern)
    for prefix in _server_prefixes(doc):
        if not url_path.startswith(prefix):
            continue
        found = regex.match(url_path[len(prefix) :] or "/")
        if found:
            return dict(zip(names, found.groups(), strict=False))
    return None


def _server_prefixes(doc: dict[str, Any]) -> list[str]:
    """Path prefixes of the declared servers, longest first, and the empty one."""
    prefixes = {""}
    for server in doc.get("servers") or []:
        if isinstance(server, dict) and isinstance(server.get("url"), str):
            path = split_url(server["url"]).path.rstrip("/")
            if path:
                prefixes.add(path)
    if isinstance(doc.get("basePath"), str):
        prefixes.add(doc["basePath"].rstrip("/"))
    return sorted(prefixes, key=len, reverse=True)
