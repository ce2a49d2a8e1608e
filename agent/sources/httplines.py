"""The shapes HTTP clients and tools print when a call is made or fails, as regexes.

Each line yields :class:`Hit` values; correlating them (which request a failure
belongs to, which JSON body follows it) is :mod:`agent.sources.signals`' job.
Every pattern is bounded by whitespace or quotes so a long line is scanned in linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal

HitKind = Literal["request", "response", "failure", "host"]

_METHODS = r"GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE"
_EXC_BEFORE = re.compile(r"(?<![\w.])(?P<exc>(?:[A-Za-z_]\w{0,40}\.){0,5}[A-Z]\w{0,60})\s*:\s*$")
_URL = r"https?://[^\s'\"<>`]+"

_PHRASES = {status.phrase.lower(): status.value for status in HTTPStatus}


@dataclass(frozen=True)
class Hit:
    """Something one line says about an HTTP call.

    ``request``: a call is about to be made (method and URL known);
    ``response``: an exchange with a status (a new call when it failed);
    ``failure``: an error report that may repeat one already seen (merged when it does);
    ``host``: the Host header of curl's verbose output (completes a path-only request).
    """

    kind: HitKind
    url: str | None = None
    method: str | None = None
    status: int | None = None
    exception: str | None = None


def _status(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _exception(match: re.Match[str]) -> str | None:
    """The exception name printed right before the match ("requests.exceptions.HTTPError: ...")."""
    before = _EXC_BEFORE.search(match.string, max(0, match.start() - 360), match.start())
    return before["exc"] if before else None


_HTTPX_INFO = re.compile(
    rf"HTTP Request: (?P<method>{_METHODS}) (?P<url>\S+) \"HTTP/[\d.]+ (?P<status>\d{{3}})"
)
_URLLIB3_DEBUG = re.compile(
    rf"(?P<base>https?://[^\s\"/]+) \"(?P<method>{_METHODS}) (?P<path>[^\s\"]+)"
    r" HTTP/[\d.]+\" (?P<status>\d{3})"
)
_REQUESTS = re.compile(
    rf"(?P<status>\d{{3}}) (?:Client|Server) Error: [^\n]{{0,200}}? for url: (?P<url>{_URL})"
)
_HTTPX_ERROR = re.compile(
    r"(?:Informational response|Redirect response|Client error|Server error|Error response)"
    r" '(?P<status>\d{3})[^']{0,100}' for url '(?P<url>[^']+)'"
)
_AIOHTTP = re.compile(r"(?P<status>\d{3}), message='[^']{0,200}', url=(?:URL\()?'(?P<url>[^']+)'")
_HOOK_SEND = re.compile(rf"Sending '(?P<method>{_METHODS})' to url: (?P<url>\S+)")
_HOOK_ERROR = re.compile(r"\bHTTP error: (?P<reason>[A-Za-z][A-Za-z' -]{1,60}?)\s*$")
_AIRFLOW_EXC = re.compile(r"(?P<exc>[\w.]{0,80}AirflowException): (?P<status>\d{3}):")
_CURL_22 = re.compile(r"curl: \(22\) The requested URL returned error: (?P<status>\d{3})")
_CURL_STATUS = re.compile(r"(?:^|\s)< HTTP/[\d.]+ (?P<status>\d{3})\b")
_CURL_REQUEST = re.compile(rf"(?:^|\s)> (?P<method>{_METHODS}) (?P<path>/\S*) HTTP/[\d.]+")
_CURL_HOST = re.compile(r"(?:^|\s)> Host: (?P<host>\S+)")
_CURL_COMMAND = re.compile(r"(?:^|[\s;&|(+$])curl\s+(?P<args>[^\n]+)")
_CURL_METHOD = re.compile(rf"(?:-X|--request)\s*['\"]?(?P<method>{_METHODS})\b")
_CURL_DATA = re.compile(r"\s(?:-d|-F|--data\S*|--json|--form|-T|--upload-file)\b")
_CURL_HEAD = re.compile(r"\s(?:-I|--head)\b")
_MAX_RETRY = re.compile(
    r"(?P<scheme>HTTPS?)ConnectionPool\(host='(?P<host>[^']+)', port=(?P<port>\d+)\): "
    r"Max retries exceeded with url: (?P<path>\S+)(?: \(Caused by (?P<cause>[^\n]{0,300}))?"
)
_TOO_MANY = re.compile(r"too many (\d{3}) error responses")
_PLAIN_REQUEST = re.compile(rf"\b(?P<method>{_METHODS}) (?P<url>{_URL})")
# A status next to a word that says it is one, as scripts print them ("-> 422", "status=500").
_PLAIN_STATUS = re.compile(
    r"(?:\bstatus(?:[ _-]?code)?\s*[=:]?\s*|->\s*|=>\s*|\breturned\s+|\bresponded(?: with)?\s+"
    r"|\bERROR\s+|\bfailed(?: with)?\s+|\bHTTP\s+)(?P<status>[1-5]\d\d)\b"
)
# Plain substring tests are an order of magnitude faster than one alternation regex.
_CUES = ("http", "HTTP", "Http", "curl", "rror", "RROR", "xception", "< ", "> ", "tatus", "STATUS", "->")


def scan(line: str) -> list[Hit]:
    """The hits on one line of log text (already redacted), in the order they matter."""
    if not any(cue in line for cue in _CUES) and "=>" not in line:
        return []
    for matcher in (_httpx_info, _urllib3_debug, _exceptions, _hook, _curl, _max_retry):
        hits = matcher(line)
        if hits:
            return hits
    return _plain(line)


def _httpx_info(line: str) -> list[Hit]:
    m = _HTTPX_INFO.search(line)
    return [Hit("response", m["url"], m["method"], _status(m["status"]))] if m else []


def _urllib3_debug(line: str) -> list[Hit]:
    m = _URLLIB3_DEBUG.search(line)
    return [Hit("response", m["base"] + m["path"], m["method"], _status(m["status"]))] if m else []


def _exceptions(line: str) -> list[Hit]:
    for pattern in (_REQUESTS, _HTTPX_ERROR, _AIOHTTP):
        m = pattern.search(line)
        if m:
            return [Hit("failure", m["url"], None, _status(m["status"]), _exception(m))]
    return []


def _hook(line: str) -> list[Hit]:
    m = _HOOK_SEND.search(line)
    if m:
        return [Hit("request", m["url"], m["method"])]
    m = _HOOK_ERROR.search(line)
    if m:
        return [Hit("failure", None, None, _PHRASES.get(m["reason"].strip().lower()))]
    m = _AIRFLOW_EXC.search(line)
    if m:
        return [Hit("failure", None, None, _status(m["status"]), m["exc"])]
    return []


def _curl(line: str) -> list[Hit]:
    m = _CURL_22.search(line)
    if m:
        return [Hit("failure", None, None, _status(m["status"]), "curl: (22)")]
    m = _CURL_STATUS.search(line)
    if m:
        return [Hit("response", None, None, _status(m["status"]))]
    m = _CURL_REQUEST.search(line)
    if m:
        return [Hit("request", m["path"], m["method"])]
    m = _CURL_HOST.search(line)
    if m:
        return [Hit("host", m["host"])]
    m = _CURL_COMMAND.search(line)
    if m:
        args = " " + m["args"]
        url = re.search(_URL, args)
        if url is None:
            return []
        return [Hit("request", url.group(0), _curl_method(args))]
    return []


def _curl_method(args: str) -> str:
    """-X wins; data or upload flags mean POST, -I means HEAD, else curl sends GET."""
    verb = _CURL_METHOD.search(args)
    if verb:
        return verb["method"]
    if _CURL_DATA.search(args):
        return "POST"
    return "HEAD" if _CURL_HEAD.search(args) else "GET"


def _max_retry(line: str) -> list[Hit]:
    m = _MAX_RETRY.search(line)
    if not m:
        return []
    scheme = m["scheme"].lower()
    port = "" if (scheme, m["port"]) in {("http", "80"), ("https", "443")} else f":{m['port']}"
    too_many = _TOO_MANY.search(m["cause"] or "")
    status = _status(too_many.group(1)) if too_many else None
    return [Hit("failure", f"{scheme}://{m['host']}{port}{m['path']}", None, status, _exception(m))]


def _plain(line: str) -> list[Hit]:
    """Scripts that print "POST https://... -> 422" or "ERROR 422" after a request line."""
    m = _PLAIN_REQUEST.search(line)
    rest = line[: m.start()] + " " + line[m.end() :] if m else line
    status_match = _PLAIN_STATUS.search(rest)
    status = _status(status_match["status"]) if status_match else None
    if m and status is not None:
        return [Hit("response", m["url"], m["method"], status)]
    if m:
        return [Hit("request", m["url"], m["method"])]
    if status is not None and status >= 400:
        return [Hit("failure", None, None, status)]
    return []
