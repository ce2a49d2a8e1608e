"""An in-memory ``HostAPI`` for the pure publishing flow: commits are snapshots of files."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agent.publish.remote import BranchExists, RequestExists, ReviewRequest


@dataclass
class Commit:
    sha: str
    parent: str | None
    files: dict[str, bytes]
    author: str


@dataclass
class FakeHost:
    """One repository: branches, commits, requests, comments; ``calls`` lists every write."""

    bot_login: str = "postwright-bot"
    commits: dict[str, Commit] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    requests: list[ReviewRequest] = field(default_factory=list)
    comments: dict[int, list[str]] = field(default_factory=dict)
    labels: dict[int, tuple[str, ...]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def push(self, branch: str, files: Mapping[str, bytes], author: str = "human") -> str:
        """A commit by ``author`` on ``branch`` (made when missing), outside the publisher."""
        parent = self.refs.get(branch)
        merged = dict(self.commits[parent].files) if parent else {}
        merged.update(files)
        sha = hashlib.sha1(
            f"{parent}{sorted(merged.items())}{author}{len(self.commits)}".encode()
        ).hexdigest()
        self.commits[sha] = Commit(sha, parent, merged, author)
        self.refs[branch] = sha
        return sha

    def close(self, number: int, *, merged: bool) -> None:
        """A reviewer closes (or merges) the request; a merge puts the branch's files on the base."""
        old = self.requests[number - 1]
        if merged:
            self.push("main", self.commits[self.refs[old.branch]].files, author="reviewer")
        self.requests[number - 1] = ReviewRequest(
            old.number, old.url, "merged" if merged else "closed", old.body, old.branch, old.title
        )

    # HostAPI
    def default_branch(self) -> str:
        return "main"

    def head(self, branch: str) -> str | None:
        return self.refs.get(branch)

    def read_file(self, ref: str, path: str) -> bytes | None:
        sha = self.refs.get(ref, ref)
        return self.commits[sha].files.get(path) if sha in self.commits else None

    def commit(
        self, branch: str, parent: str, files: Mapping[str, bytes], message: str, *, create: bool
    ) -> str:
        if create and branch in self.refs:
            raise BranchExists(f"branch {branch} exists")
        self.calls.append(f"commit {branch}")
        self.refs[branch] = parent
        return self.push(branch, files, author=self.bot_login)

    def _ancestors(self, sha: str | None) -> list[str]:
        out = []
        while sha is not None:
            out.append(sha)
            sha = self.commits[sha].parent
        return out

    def foreign_commits(self, base: str, branch: str) -> list[str]:
        on_base = set(self._ancestors(base))
        ahead = [s for s in self._ancestors(self.refs.get(branch)) if s not in on_base]
        return [s for s in ahead if self.commits[s].author != self.bot_login]

    def find_request(self, branch: str) -> ReviewRequest | None:
        return next((r for r in reversed(self.requests) if r.branch == branch), None)

    def open_request(
        self, branch: str, base: str, title: str, body: str, *, draft: bool, labels: Sequence[str]
    ) -> ReviewRequest:
        if any(r.branch == branch and r.state == "open" for r in self.requests):
            raise RequestExists(f"a request for {branch} exists")
        self.calls.append("open")
        number = len(self.requests) + 1
        request = ReviewRequest(number, f"http://host/pr/{number}", "open", body, branch, title)
        self.requests.append(request)
        self.labels[number] = tuple(labels)
        return request

    def update_request(self, number: int, title: str, body: str) -> None:
        self.calls.append(f"update {number}")
        old = self.requests[number - 1]
        self.requests[number - 1] = ReviewRequest(number, old.url, old.state, body, old.branch, title)

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        held = self.comments.setdefault(number, [])
        ours = next((i for i, c in enumerate(held) if marker in c), None)
        if ours is None:
            self.calls.append(f"comment {number}")
            held.append(body)
        elif held[ours] != body:
            self.calls.append(f"edit comment {number}")
            held[ours] = body
