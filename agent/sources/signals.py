"""Failed HTTP calls found in redacted logs, matched to the operations of a spec.

Input is boundary output only (:class:`~agent.boundary.sealed.Evidence` or a
:class:`~agent.boundary.inbound.logstream.LogStream` of redacted lines): this module reads it as
data, never stores or logs it, and keeps nothing of it but the fields of
:class:`~agent.models.LogSignal` (a redacted URL without userinfo, a status, key names).
"""

from __future__ import annotations

import ast
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from agent.boundary.inbound.logstream import LogStream
from agent.boundary.sealed import Evidence
from agent.models import LogSignal, Provenance, SpecDocument, fingerprint
from agent.sources.httplines import Hit, scan
from agent.sources.urlmatch import OperationIndex, ParsedURL, parse_url

WINDOW = 50  # lines within which a failure report, a request line and a call belong together
BODY_WINDOW = 12  # lines after a call within which a printed JSON object is its error body
MAX_BODY = 65536  # longest JSON body we try to parse, so one huge line stays cheap
UNKNOWN_METHOD = "UNKNOWN"

# Airflow 2's text format: "[2024-05-01T02:00:13.121+0000] {http.py:175} ERROR - message".
_AIRFLOW2_PREFIX = re.compile(r"^\[[^\]]{10,40}\]\s+\{[^{}\s]{1,200}\}\s+[A-Z]+\s+-\s")
_TIMESTAMP = re.compile(r"^\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)")
_REQUEST_LABEL = re.compile(r"(?i)(request|payload|headers?|params|sending|query)\W*$")
_RESPONSE_LABEL = re.compile(
    r"(?i)((resp\w*|error\w*|detail\w*|reply|returned)(\s+(body|text|content|json|payload))?|body\s+was)\W*$"
)


@dataclass
class _Call:
    """One failed exchange being assembled from the lines that report it."""

    line: int
    last: int
    url: ParsedURL
    method: str | None
    status: int | None
    exception: str | None
    timestamp: str | None
    error_keys: list[str] | None = None


@dataclass
class _Request:
    line: int
    url: ParsedURL | None
    raw_path: str | None
    method: str


@dataclass
class _State:
    requests: deque[_Request] = field(default_factory=lambda: deque(maxlen=64))
    calls: list[_Call] = field(default_factory=list)
    pending_body: tuple[int, list[str]] | None = None


def extract_signals(
    source: Evidence | LogStream, spec: SpecDocument | None, *, provenance: Provenance
) -> list[LogSignal]:
    """Every failed HTTP call the (redacted) log reports, in order of appearance.

    Airflow 3 JSON-lines logs and plain text are both read; errors are detected from the
    text, never from a line's level. Each URL is matched to ``spec``'s operations when a
    spec is given. Fingerprints ignore time, run and line, so one failure seen in two runs
    gets the same fingerprint. A :class:`LogStream` is consumed line by line (bounded
    memory: only the calls being assembled are held).
    """
    index = OperationIndex(spec) if spec is not None else None
    state = _State()
    for number, timestamp, message in _messages(source.lines()):
        for hit in scan(message):
            _apply(state, hit, number, timestamp)
        body = _json_body(message, state, number)
        if body is not None:
            _attach_body(state, number, *body)
    return [_signal(call, index, provenance) for call in state.calls]


def _messages(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str | None, str]]:
    """(line number, timestamp, message line) for every line; JSON log records unwrapped."""
    for number, line in lines:
        record = _record(line)
        if record is None:
            stamp = _TIMESTAMP.match(line)
            prefix = _AIRFLOW2_PREFIX.match(line)
            yield number, stamp.group(1) if stamp else None, line[prefix.end() :] if prefix else line
            continue
        timestamp = record.get("timestamp")
        stamp_text = str(timestamp) if isinstance(timestamp, (str, int, float)) else None
        for part in _record_texts(record):
            for sub in part.splitlines():
                yield number, stamp_text, sub


def _record(line: str) -> dict[str, Any] | None:
    """An Airflow structured log record, or None for anything else."""
    stripped = line.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("event"), str):
        return value
    return None


def _record_texts(record: dict[str, Any]) -> Iterator[str]:
    """The event, then the exceptions of ``error_detail`` printed the way Python prints them."""
    yield str(record["event"])
    details = record.get("error_detail")
    for item in details if isinstance(details, list) else ():
        if isinstance(item, dict) and isinstance(item.get("exc_type"), str):
            yield f"{item['exc_type']}: {item.get('exc_value') or ''}"


def _apply(state: _State, hit: Hit, number: int, timestamp: str | None) -> None:
    """Fold one hit into the calls being assembled."""
    if hit.kind == "host":
        _complete_host(state, hit.url or "")
        return
    url = parse_url(hit.url) if hit.url and hit.url.startswith(("http://", "https://")) else None
    if hit.kind == "request":
        state.requests.append(_Request(number, url, hit.url if url is None else None, hit.method or ""))
        state.pending_body = None
        return
    if url is None:
        url, method = _context(state, hit, number)
        if url is None:
            return
    else:
        method = hit.method or _method_for(state, url, number)
    if hit.kind == "failure":
        open_call = _open_call(state, url, hit.status, number)
        if open_call is not None:
            open_call.exception = open_call.exception or hit.exception
            open_call.status = open_call.status or hit.status
            open_call.last = number
            return
    elif hit.status is None or hit.status < 400:
        state.requests.append(_Request(number, url, None, hit.method or method or ""))
        return
    call = _Call(number, number, url, method, hit.status, hit.exception, timestamp)
    if state.pending_body and number - state.pending_body[0] <= BODY_WINDOW:
        call.error_keys = state.pending_body[1]
    state.pending_body = None
    state.calls.append(call)


def _complete_host(state: _State, host: str) -> None:
    """curl -v prints "> GET /path" then "> Host: h": join them into a URL."""
    if state.requests and state.requests[-1].url is None and state.requests[-1].raw_path:
        last = state.requests[-1]
        last.url = parse_url(f"https://{host}{last.raw_path}")


def _context(state: _State, hit: Hit, number: int) -> tuple[ParsedURL | None, str | None]:
    """A report without a URL (curl, HttpHook) belongs to the latest call or request nearby."""
    found: tuple[int, ParsedURL, str | None] | None = None
    if hit.kind == "failure":
        for call in reversed(state.calls):
            if number - call.last > WINDOW:
                break
            if hit.status is None or call.status in (None, hit.status):
                found = (call.last, call.url, call.method)
                break
    for request in reversed(state.requests):
        if number - request.line > WINDOW or (found and request.line <= found[0]):
            break
        if request.url is not None:
            found = (request.line, request.url, request.method or None)
            break
    return (found[1], found[2]) if found else (None, None)


def _method_for(state: _State, url: ParsedURL, number: int) -> str | None:
    """The method of the nearest preceding request line for the same URL."""
    for request in reversed(state.requests):
        if number - request.line > WINDOW:
            break
        if request.url is not None and request.url.key == url.key:
            return request.method or None
    return None


def _open_call(state: _State, url: ParsedURL, status: int | None, number: int) -> _Call | None:
    """A call this failure report repeats: same URL, compatible status, close by."""
    for call in reversed(state.calls):
        if number - call.last > WINDOW:
            break
        if call.url.key == url.key and (status is None or call.status in (None, status)):
            return call
    return None


def _json_body(message: str, state: _State, number: int) -> tuple[list[str], bool] | None:
    """Sorted top-level keys of a JSON (or Python dict) object on the line, and whether
    its label says it is a response; None when there is none or it is a request's."""
    start = message.find("{")
    if start < 0 or len(message) - start > MAX_BODY:
        return None
    label = message[:start]
    if _REQUEST_LABEL.search(label):
        return None
    value = _parse_object(message[start:])
    if not isinstance(value, dict) or not value or not all(isinstance(k, str) for k in value):
        return None
    return sorted(value), bool(_RESPONSE_LABEL.search(label))


def _parse_object(text: str) -> Any:
    try:
        return json.JSONDecoder().raw_decode(text)[0]
    except ValueError:
        pass
    end = text.rfind("}")
    if text.startswith("{'") and end > 0:
        try:
            return ast.literal_eval(text[: end + 1])
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
    return None


def _attach_body(state: _State, number: int, keys: list[str], labelled_response: bool) -> None:
    """A body printed after a call is its error body; one printed before needs a label."""
    if state.calls:
        call = state.calls[-1]
        if call.error_keys is None and number - call.last <= BODY_WINDOW and not _newer_request(state, call):
            call.error_keys = keys
            return
    if labelled_response:
        state.pending_body = (number, keys)


def _newer_request(state: _State, call: _Call) -> bool:
    return bool(state.requests) and state.requests[-1].line > call.last


def _signal(call: _Call, index: OperationIndex | None, provenance: Provenance) -> LogSignal:
    """The model value for one assembled call."""
    method = (call.method or UNKNOWN_METHOD).upper()
    match = index.match(call.method, call.url) if index is not None else None
    operation = match.operation if match else None
    path = match.path if match else None
    keys = call.error_keys or []
    target = operation or (f"{method} {path}" if path else f"{method} {call.url.key}")
    return LogSignal(
        method=method,
        url=call.url.display,
        status=call.status,
        operation=operation,
        path=path,
        error_keys=keys,
        exception=call.exception,
        timestamp=call.timestamp,
        provenance=provenance.model_copy(update={"line": call.line}),
        fingerprint=fingerprint("log-signal", target, call.status, keys),
    )
