"""Where spec documents come from: files, http(s) URLs and ``git:REF:path``; bytes, bounded."""

from __future__ import annotations

import posixpath
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from agent.errors import InputError, SourceUnreachable, UsageError
from agent.specs.parse import MAX_BYTES

URL_TIMEOUT = 15.0
GIT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Location:
    """One document's address; ``join`` resolves a relative reference against it."""

    kind: str  # "file" | "url" | "git"
    path: str
    git_ref: str = ""
    repo: str = ""

    def __str__(self) -> str:
        return f"git:{self.git_ref}:{self.path}" if self.kind == "git" else self.path

    def join(self, ref: str) -> Location:
        """The location of ``ref`` written inside this document."""
        if ref.startswith(("http://", "https://")):
            return Location("url", ref)
        if self.kind == "url":
            return Location("url", urljoin(self.path, ref))
        if self.kind == "git":
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(self.path), ref))
            return Location("git", joined.lstrip("/"), self.git_ref, self.repo)
        if ref.startswith("file://"):
            ref = ref[len("file://") :]
        return Location("file", str((Path(self.path).parent / ref).resolve()))


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
    path = Path(ref)
    return Location("file", str(path if path.is_absolute() else (base / path).resolve()))


def read(location: Location, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The raw bytes at ``location``, at most ``max_bytes`` (+1 to detect overflow)."""
    if location.kind == "file":
        return _read_file(location.path, max_bytes)
    if location.kind == "url":
        return _read_url(location.path, max_bytes)
    return _read_git(location, max_bytes)


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


def _read_url(url: str, max_bytes: int) -> bytes:
    import httpx

    if urlsplit(url).scheme not in ("http", "https"):
        raise InputError(f"{url}: only http and https URLs are supported")
    try:
        with (
            httpx.Client(timeout=URL_TIMEOUT, follow_redirects=True, max_redirects=5) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise SourceUnreachable(f"{url}: HTTP {response.status_code}")
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > max_bytes:
                    raise _too_big(url, max_bytes)
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise SourceUnreachable(f"{url}: {type(exc).__name__}: {exc}") from None


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
