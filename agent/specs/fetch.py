"""Where spec documents come from: files, http(s) URLs and ``git:REF:path``; bytes, bounded."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import InputError, SourceUnreachable, UsageError
from agent.specs.location import DEFAULT_PORTS, Location, origin_of
from agent.specs.parse import MAX_BYTES
from agent.urls import join_url, split_url

if TYPE_CHECKING:
    import httpx

URL_TIMEOUT = 15.0
GIT_TIMEOUT = 30.0
MAX_REDIRECTS = 5


def locate(ref: str, cwd: Path | None = None) -> Location:
    """Turn a user-given reference into a Location."""
    base = (cwd or Path.cwd()).resolve()
    if ref.startswith(("http://", "https://")):
        return Location("url", ref)
    if ref.startswith("git:"):
        parts = ref.split(":", 2)
        if len(parts) != 3 or not parts[1] or not parts[2]:
            raise UsageError(f"{ref!r}: expected git:REF:path, e.g. git:main:openapi.yaml")
        return Location("git", parts[2].lstrip("/"), parts[1], str(base))
    # The real path: a spec's refs resolve against the folder the file really is in.
    return Location("file", str((base / ref).resolve()))


def read(
    location: Location, *, max_bytes: int = MAX_BYTES, origins: frozenset[str] = frozenset()
) -> tuple[bytes, Location]:
    """The raw bytes at ``location`` (at most ``max_bytes``) and where they came from.

    A URL's redirects are followed by hand, each hop only to one of ``origins`` and never from
    https to http; the returned location is the last hop's, so relative refs resolve against it.
    """
    if location.kind == "file":
        return _read_file(location.path, max_bytes), location
    if location.kind == "url":
        data, final = _read_url(location.path, max_bytes, origins)
        return data, Location("url", final)
    return _read_git(location, max_bytes), location


def _too_big(origin: str, max_bytes: int) -> InputError:
    return InputError(f"{origin}: larger than the {max_bytes // 1_048_576} MB limit")


def _read_file(path: str, max_bytes: int) -> bytes:
    p = Path(path)
    try:
        if not p.is_file():
            raise InputError(f"{path}: no such file")
        if p.stat().st_size > max_bytes:
            raise _too_big(path, max_bytes)
        return p.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _read_url(url: str, max_bytes: int, origins: frozenset[str]) -> tuple[bytes, str]:
    import httpx

    parts = split_url(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise InputError(f"{url}: only http and https URLs are supported")
    if parts.problem is not None or not parts.host:
        raise InputError(f"{url}: not a valid URL: {parts.problem or 'it has no host'}")
    try:
        with httpx.Client(timeout=URL_TIMEOUT, follow_redirects=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                with client.stream("GET", url) as response:
                    if response.is_redirect:
                        url = _next_hop(url, response.headers["location"], origins)
                        continue
                    if response.status_code >= 400:
                        raise SourceUnreachable(f"{url}: HTTP {response.status_code}")
                    return _body(response, url, max_bytes), url
    except httpx.HTTPError as exc:
        raise SourceUnreachable(f"{url}: {type(exc).__name__}: {exc}") from None
    raise InputError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _next_hop(url: str, location: str, origins: frozenset[str]) -> str:
    """Where a redirect from ``url`` leads, if that hop is allowed."""
    target = join_url(url, location.strip())
    where = origin_of(target) if target is not None else None
    if target is None or where is None:
        raise InputError(f"{url} refused: it redirects to something that is not an http(s) URL")
    if url.lower().startswith("https:") and not where.startswith("https:"):
        raise InputError(f"{url} refused: it redirects from https to http ({target[:200]})")
    if where not in origins:
        raise InputError(
            f"{url} refused: it redirects to {where}, another origin (give that URL directly,"
            " or name its origin with --allow-remote-refs where the command has it)"
        )
    return target


def _body(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > max_bytes:
            raise _too_big(url, max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _read_git(location: Location, max_bytes: int) -> bytes:
    origin = str(location)
    if location.git_ref.startswith("-"):
        raise UsageError(f"{origin}: a git ref may not start with '-'")
    try:
        done = subprocess.run(
            ["git", "show", f"{location.git_ref}:{location.path}"],
            cwd=location.repo or None,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise SourceUnreachable("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise SourceUnreachable(f"{origin}: git show timed out") from None
    if done.returncode != 0:
        why = " ".join(done.stderr.decode("utf-8", "replace").split())[:200]
        raise InputError(f"{origin}: {why or 'git show failed'}")
    if len(done.stdout) > max_bytes:
        raise _too_big(origin, max_bytes)
    return done.stdout
