"""``postwright verify --format json`` → the small summary kept in XCom and the lines logged per failed call.

Pure (no Airflow import). The failed-call lines have httpx's shape
(``HTTP Request: GET <url> "HTTP/1.1 500 Internal Server Error"``), which postwright's log signals
read: the next propose turns each into a regression test.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

FAILED = ("failed", "flaky")
MAX_NAMES = 20  # failing test names kept in XCom; the rest are counted
_VARIABLE = re.compile(r"\{\{([^{}\s]+)\}\}")
_SUMMARY = re.compile(r"\b(changes|failures|proposals|kept|dropped|redacted|drift) (\d+)\b")


def summarize(report: dict[str, Any], *, api: str | None, run_id: str | None) -> dict[str, Any]:
    """Counts per status, the failing tests' names and the run id: never a body, header or value."""
    items = report.get("items") or []
    counts = Counter(str(i.get("status")) for i in items)
    failing = [str(i.get("name")) for i in items if i.get("status") in FAILED]
    return {
        "api": api,
        "run_id": run_id,
        "tests": len(items),
        "passed": counts["passed"],
        "failed": counts["failed"] + counts["flaky"],
        "skipped": counts["skipped"],
        "unfinished": counts["unfinished"],
        "failing": failing[:MAX_NAMES],
    }


def reason(summary: dict[str, Any], target: str) -> str:
    """The one line a failed check fails its task with."""
    names = ", ".join(summary["failing"][:3]) + (" …" if len(summary["failing"]) > 3 else "")
    return f"{summary['failed']} of {summary['tests']} tests failed against {target}: {names}"


def failed_calls(report: dict[str, Any], collection: dict[str, Any], base_url: str) -> Iterator[str]:
    """One httpx-shaped line per failed item that has a response: method, URL (path only), status."""
    requests = dict(_requests(collection))
    shared = _variables(collection)
    for item in report.get("items") or []:
        response = item.get("response") or {}
        if item.get("status") not in FAILED or not isinstance(response.get("status"), int):
            continue
        found = requests.get(str(item.get("id")))
        if found is None:
            continue
        method, url, own = found
        status = int(response["status"])
        path = _resolve(url, {**shared, **own, "baseUrl": base_url.rstrip("/")}).split("?", 1)[0]
        yield f'HTTP Request: {method} {path} "HTTP/1.1 {status} {_phrase(status)}"'


def run_counts(output: str) -> dict[str, int]:
    """The counts of ``postwright run``'s summary line (``changes 3  failures 1  …``)."""
    return {name: int(n) for name, n in _SUMMARY.findall(output)}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _requests(collection: dict[str, Any]) -> Iterator[tuple[str, tuple[str, str, dict[str, str]]]]:
    """(item id, (method, raw URL, item variables)) for every request, folders walked."""
    stack = list(collection.get("item") or [])
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("item"), list):
            stack.extend(node["item"])
            continue
        request = node.get("request")
        if isinstance(request, dict) and isinstance(node.get("id"), str):
            yield (
                node["id"],
                (str(request.get("method") or "GET").upper(), _raw(request.get("url")), _variables(node)),
            )


def _raw(url: Any) -> str:
    if isinstance(url, str):
        return url
    if not isinstance(url, dict):
        return ""
    if isinstance(url.get("raw"), str):
        return str(url["raw"])
    host = url.get("host") or []
    path = url.get("path") or []
    host_text = ".".join(host) if isinstance(host, list) else str(host)
    return host_text + "/" + "/".join(str(p) for p in (path if isinstance(path, list) else [path]))


def _variables(node: dict[str, Any]) -> dict[str, str]:
    return {
        str(v["key"]): str(v["value"])
        for v in node.get("variable") or []
        if isinstance(v, dict) and "key" in v and isinstance(v.get("value"), (str, int, float))
    }


def _resolve(url: str, values: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), url)
