"""Where a ``$ref`` may lead, decided before anything is read.

- A spec from a file: local refs resolve (real paths, symlinks followed) inside its folder, or
  inside the ``--ref-root`` the user names; absolute paths count only if they land there too.
- A spec from ``git:REF:path``: refs stay inside the repository tree at that ref.
- A spec from a URL: every ref is a URL (relative refs resolve against it).
- URLs, the spec's own and every ref's, are fetched only from allowed origins (scheme, host,
  port): a URL spec's own origin (and its https upgrade), plus the origins the user names with
  ``--allow-remote-refs``. A file or git spec has no origin, so its remote refs need that flag.
  Redirects are re-checked at every hop (``fetch``), and never go from https to http.
- Never followed: ``file:`` or any other scheme, backslashes, control characters.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from agent.errors import InputError, UsageError
from agent.specs.location import Location, origin_of
from agent.urls import join_url, split_url

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def named_origins(values: Iterable[str]) -> frozenset[str]:
    """The origins a user named (``https://host[:port]``), normalised; a UsageError for anything else."""
    found = set()
    for value in values:
        parsed = origin_of(value)
        if parsed is None or split_url(value).path not in ("", "/"):
            raise UsageError(f"--allow-remote-refs: {value!r} is not an origin like https://host[:port]")
        found.add(parsed)
    return frozenset(found)


def _upgrade(origin: str) -> str | None:
    """The https origin an http origin commonly redirects to (same host, port 443)."""
    if not origin.startswith("http://"):
        return None
    host = origin[len("http://") :].rsplit(":", 1)[0]
    return f"https://{host}:443"


@dataclass(frozen=True)
class RefPolicy:
    """The confinement rule for one spec and everything it refers to."""

    root: Path | None  # real folder local refs must stay in (file specs)
    origins: frozenset[str]  # where URLs may be fetched from

    @classmethod
    def for_spec(
        cls, spec: Location, *, ref_root: Path | None = None, remote_origins: Iterable[str] = ()
    ) -> RefPolicy:
        """The policy for ``spec``: its folder (or ``ref_root``) and its origin plus the named ones."""
        origins = set(named_origins(remote_origins))
        if spec.kind == "url":
            own = origin_of(spec.path)
            origins.update(o for o in (own, _upgrade(own or "")) if o)
        root = None
        if spec.kind == "file":
            if ref_root is not None:
                root = ref_root.resolve()
                if not root.is_dir():
                    raise UsageError(f"--ref-root: {ref_root} is not a folder")
            else:
                root = Path(spec.path).resolve().parent
        return cls(root, frozenset(origins))

    def resolve(self, base: Location, uri: str, ref: str) -> Location:
        """Where ``uri`` (the part of ``ref`` before ``#``), written in ``base``, leads; or why not."""
        if _CONTROL.search(uri):
            raise _refused(ref, "it contains a control character")
        if "\\" in uri:
            raise _refused(ref, "backslashes are not path separators in a $ref (write /)")
        scheme = _SCHEME.match(uri)
        if scheme and scheme.group(1).lower() not in ("http", "https"):
            raise _refused(ref, f"the {scheme.group(1)}: scheme is never followed (use a relative path)")
        if scheme or base.kind == "url":
            joined = join_url(base.path, uri) if base.kind == "url" else uri
            if joined is None:
                raise _refused(ref, "it is not a URL that can be resolved")
            return self._remote(joined, ref, base)
        if uri.startswith("//"):
            raise _refused(ref, "a network-path reference is not a local file")
        try:
            path = unquote(uri, errors="strict")
        except UnicodeDecodeError:
            raise _refused(ref, "its percent-encoding is not UTF-8") from None
        if _CONTROL.search(path) or "\\" in path:
            raise _refused(ref, "it encodes a control character or a backslash")
        if base.kind == "git":
            return self._git(base, path, ref)
        return self._file(base, path, ref)

    def _remote(self, url: str, ref: str, base: Location) -> Location:
        what = f"$ref {ref[:200]!r} in {base}"
        found = origin_of(url)
        if found is None:
            raise InputError(f"{what} refused: {url[:200]!r} is not an http(s) URL with a host")
        if found not in self.origins:
            if self.origins:
                why = f"{found} is not the spec's origin or one named with --allow-remote-refs"
            else:
                why = "remote refs are off for a local spec (name the origin with --allow-remote-refs)"
            raise InputError(f"{what} refused: {why}")
        return Location("url", url)

    def _git(self, base: Location, path: str, ref: str) -> Location:
        if path.startswith("/"):
            raise _refused(ref, "an absolute path is not inside the repository tree")
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(base.path), path))
        if joined == ".." or joined.startswith("../"):
            raise _refused(ref, f"it leaves the repository tree at {base.git_ref}")
        return Location("git", joined, base.git_ref, base.repo)

    def _file(self, base: Location, path: str, ref: str) -> Location:
        assert self.root is not None
        candidate = Path(base.path).parent / path  # an absolute ``path`` replaces the folder
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):
            raise _refused(ref, "its path cannot be resolved (a symlink loop?)") from None
        if not real.is_relative_to(self.root):
            via = " through a symlink" if Path(os.path.normpath(candidate)).is_relative_to(self.root) else ""
            raise _refused(ref, f"it leads outside {self.root}{via} (--ref-root names a wider folder)")
        return Location("file", str(real))


def _refused(ref: str, why: str) -> InputError:
    return InputError(f"$ref {ref[:200]!r} refused: {why}")
