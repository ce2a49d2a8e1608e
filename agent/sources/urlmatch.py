"""Match URLs seen in logs to the operations of an OpenAPI document.

Hosts are ignored on purpose: logs come from staging, production or a proxy, and the
host (or the credentials in it) rarely equals the spec's server. What must agree is the
path after the server's base path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from agent.models import SpecDocument
from agent.specs.document import compile_segment, path_index, segment_values
from agent.urls import split_url

_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]*@")
_TRAILING = "'\",.;:!?>}"
_DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True)
class ParsedURL:
    """A log URL split for matching; ``display`` is the URL without userinfo."""

    display: str
    host: str
    segments: tuple[str, ...]

    @property
    def key(self) -> str:
        """Host and decoded path: what "the same URL" means when correlating lines."""
        return self.host + "/" + "/".join(self.segments)


def trim_url(raw: str) -> str:
    """Drop punctuation a log line glued to the end of a URL, keeping balanced brackets."""
    url = raw
    while url:
        last = url[-1]
        closes = {"]": "[", ")": "("}
        unbalanced = last in closes and url.count(closes[last]) < url.count(last)
        if last in _TRAILING or unbalanced:
            url = url[:-1]
        else:
            break
    return url


def split_segments(path: str) -> tuple[str, ...]:
    """Decoded, non-empty path segments (so a trailing or doubled slash does not matter)."""
    return tuple(unquote(part) for part in path.split("/") if part)


@lru_cache(maxsize=4096)
def parse_url(raw: str) -> ParsedURL:
    """Parse an absolute or path-only URL; never raises on odd input (``urls.split_url``)."""
    display = _USERINFO.sub(r"\1", trim_url(raw))
    parts = split_url(display)
    host = parts.host
    if parts.port is not None and str(parts.port) != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return ParsedURL(display=display, host=host, segments=split_segments(parts.path))


@dataclass(frozen=True)
class Match:
    """The spec path a URL matched and, when the method exists there, the operation key."""

    path: str
    operation: str | None


class OperationIndex:
    """Path templates and server base paths of one spec, ready for matching."""

    def __init__(self, spec: SpecDocument) -> None:
        doc = spec.document
        self._paths = path_index(doc)  # shared with the planner and the validator
        bases = {tuple(compile_segment(p) for p in split_segments(b)) for b in _base_paths(doc)}
        bases.add(())
        self._bases = sorted(bases, key=len, reverse=True)
        self._cache: dict[tuple[str, tuple[str, ...]], Match | None] = {}

    def match(self, method: str | None, url: ParsedURL) -> Match | None:
        """The best operation for ``url``; the longest base path that leads to a match wins."""
        key = ((method or "").upper(), url.segments)
        if key not in self._cache:
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = self._match(key[0], url.segments)
        return self._cache[key]

    def _match(self, verb: str, values: tuple[str, ...]) -> Match | None:
        for base in self._bases:
            if len(base) > len(values) or not all(
                segment_values(seg, val) is not None
                for seg, val in zip(base, values[: len(base)], strict=True)
            ):
                continue
            path = self._paths.match(values[len(base) :])
            if path is not None:
                operation = f"{verb} {path}" if verb.lower() in self._paths.methods[path] else None
                return Match(path, operation)
        return None


def _base_paths(doc: dict[str, object]) -> list[str]:
    """Base paths of every server (OpenAPI 3, also path- and operation-level) or basePath (2.0)."""
    found: list[str] = []
    base_path = doc.get("basePath")
    if isinstance(base_path, str):
        found.append(base_path)
    server_lists = [doc.get("servers")]
    paths = doc.get("paths")
    if isinstance(paths, dict):
        for item in paths.values():
            if isinstance(item, dict):
                server_lists.append(item.get("servers"))
                server_lists.extend(op.get("servers") for op in item.values() if isinstance(op, dict))
    for servers in server_lists:
        for server in servers if isinstance(servers, list) else ():
            url = server.get("url") if isinstance(server, dict) else None
            if isinstance(url, str):
                found.append(_server_path(url))
    return found


def _server_path(url: str) -> str:
    """The path part of a server URL, which may hold {variables} anywhere."""
    if "://" in url:
        rest = url.split("://", 1)[1]
        return rest[rest.find("/") :] if "/" in rest else ""
    if url.startswith("//"):
        rest = url[2:]
        return rest[rest.find("/") :] if "/" in rest else ""
    return url
