"""Git objects as git stores them: blob, tree and commit shas agree with `git hash-object`."""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

TREE_MODE = "40000"  # git writes no leading zero in a tree entry; the API shows "040000"


class GitError(Exception):
    """A git operation the repository refuses (unknown object, bad entry)."""


@dataclass(frozen=True)
class Signature:
    """An author or committer line: name, email and a dated moment with its UTC offset."""

    name: str
    email: str
    date: datetime

    def raw(self) -> str:
        offset = self.date.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
        return f"{self.name} <{self.email}> {int(self.date.timestamp())} {zone}"

    def iso(self) -> str:
        if (self.date.utcoffset() or timedelta(0)) == timedelta(0):
            return self.date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.date.isoformat(timespec="seconds")


def now_signature(name: str, email: str) -> Signature:
    """A signature dated now, to the second (git keeps whole seconds)."""
    return Signature(name, email, datetime.now(UTC).replace(microsecond=0))


def parse_date(text: str) -> datetime:
    """An ISO 8601 date as GitHub takes it (``Z`` or an offset); naive means UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a tree object."""

    mode: str
    name: str
    sha: str

    @property
    def kind(self) -> str:
        return "tree" if self.mode == TREE_MODE else "commit" if self.mode == "160000" else "blob"


@dataclass(frozen=True)
class Commit:
    """A parsed commit object."""

    tree: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str


def _sort_key(entry: TreeEntry) -> bytes:
    # git orders a tree's entries by name, a subtree as if its name ended in "/".
    return entry.name.encode() + (b"/" if entry.mode == TREE_MODE else b"")


@dataclass
class ObjectStore:
    """The objects of one repository, keyed by sha."""

    objects: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    trees: dict[str, tuple[TreeEntry, ...]] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)

    def _put(self, kind: str, body: bytes) -> str:
        sha = hashlib.sha1(f"{kind} {len(body)}\0".encode() + body).hexdigest()
        self.objects[sha] = (kind, body)
        return sha

    def kind(self, sha: str) -> str | None:
        found = self.objects.get(sha)
        return found[0] if found else None

    def blob(self, content: bytes) -> str:
        return self._put("blob", content)

    def blob_bytes(self, sha: str) -> bytes:
        found = self.objects.get(sha)
        if found is None or found[0] != "blob":
            raise GitError(f"no blob {sha}")
        return found[1]

    def tree(self, entries: list[TreeEntry]) -> str:
        ordered = tuple(sorted(entries, key=_sort_key))
        body = b"".join(f"{e.mode} {e.name}\0".encode() + bytes.fromhex(e.sha) for e in ordered)
        sha = self._put("tree", body)
        self.trees[sha] = ordered
        return sha

    def commit(
        self, tree: str, parents: list[str], author: Signature, committer: Signature, message: str
    ) -> str:
        if tree not in self.trees:
            raise GitError(f"no tree {tree}")
        for parent in parents:
            if parent not in self.commits:
                raise GitError(f"no commit {parent}")
        lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
        lines += [f"author {author.raw()}", f"committer {committer.raw()}"]
        sha = self._put("commit", ("\n".join(lines) + "\n\n" + message).encode())
        self.commits[sha] = Commit(tree, tuple(parents), author, committer, message)
        return sha

    def flatten(self, tree: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        """Every blob (and submodule) under ``tree``: path -> (mode, sha)."""
        out: dict[str, tuple[str, str]] = {}
        for entry in self.trees[tree]:
            path = prefix + entry.name
            if entry.mode == TREE_MODE:
                out.update(self.flatten(entry.sha, path + "/"))
            else:
                out[path] = (entry.mode, entry.sha)
        return out

    def build(self, files: dict[str, tuple[str, str]]) -> str:
        """The tree (and subtrees) holding exactly ``files`` (path -> (mode, sha))."""
        here: list[TreeEntry] = []
        below: dict[str, dict[str, tuple[str, str]]] = {}
        for path, (mode, sha) in files.items():
            head, sep, rest = path.partition("/")
            if sep:
                below.setdefault(head, {})[rest] = (mode, sha)
            else:
                here.append(TreeEntry(mode, head, sha))
        here += [TreeEntry(TREE_MODE, name, self.build(sub)) for name, sub in below.items()]
        return self.tree(here)

    def lookup(self, tree: str, path: str) -> TreeEntry | None:
        """The entry at ``path`` under ``tree`` (None when absent)."""
        entry: TreeEntry | None = None
        current = tree
        for part in [p for p in path.split("/") if p]:
            if current not in self.trees:
                return None
            entry = next((e for e in self.trees[current] if e.name == part), None)
            if entry is None:
                return None
            current = entry.sha
        return entry

    def ancestors(self, sha: str) -> list[str]:
        """``sha`` and every commit reachable from it, nearest first."""
        seen: dict[str, None] = {}
        queue = deque([sha])
        while queue:
            current = queue.popleft()
            if current in seen or current not in self.commits:
                continue
            seen[current] = None
            queue.extend(self.commits[current].parents)
        return list(seen)

    def is_ancestor(self, old: str, new: str) -> bool:
        return old in self.ancestors(new)

    def only_in(self, head: str, base: str) -> list[str]:
        """Commits reachable from ``head`` but not from ``base``, oldest first (git log base..head)."""
        excluded = set(self.ancestors(base))
        order: list[str] = []
        stack: list[tuple[str, bool]] = [(head, False)]
        while stack:  # depth-first post-order: parents before children
            sha, done = stack.pop()
            if done:
                order.append(sha)
            elif sha not in excluded and sha in self.commits and sha not in order:
                stack.append((sha, True))
                stack.extend((p, False) for p in reversed(self.commits[sha].parents))
        return list(dict.fromkeys(order))

    def merge_base(self, a: str, b: str) -> str | None:
        ours = set(self.ancestors(a))
        return next((c for c in self.ancestors(b) if c in ours), None)
