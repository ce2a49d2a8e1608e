"""A spec document's address and a URL's origin: plain values, shared by ``fetch`` and ``confine``.

They live apart from ``fetch`` (an adapter: files, httpx, git) so that ``confine``, the pure
policy deciding what a ``$ref`` may reach, imports no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.urls import split_url

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
    parts = split_url(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.host or parts.problem:
        return None
    host = f"[{parts.host}]" if ":" in parts.host else parts.host
    return f"{parts.scheme}://{host}:{parts.port or DEFAULT_PORTS[parts.scheme]}"
