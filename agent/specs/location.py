"""A spec document's address and a URL's origin: plain values, shared by ``fetch`` and ``confine``.

They live apart from ``fetch`` (an adapter: files, httpx, git) so that ``confine``, the pure
policy deciding what a ``$ref`` may reach, imports no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Location:
    """One document's address (``specs.confine`` decides what a ``$ref`` in it may reach)."""

    kind: str  # "file" | "url" | "git"
    path: str
    git_ref: str = ""
    repo: str = ""

    def __str__(self) -> str:
        return f"git:{self.git_ref}:{self.path}" if self.kind == "git" else self.path


def origin_of(url: str) -> str | None:
    """``scheme://host:port`` of an http(s) URL (default port filled in), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return f"{scheme}://{parts.hostname.lower()}:{port or DEFAULT_PORTS[scheme]}"
