"""Publish a change set as a pull request on a code host, through the host's API (no clone).

``HostAPI`` is what a host adapter implements (``agent/publish/github.py``, ``gitlab.py``);
``RemotePublisher`` is the host-neutral flow over it (one open request per collection file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from agent.errors import PublishFailed

RequestState = Literal["open", "closed", "merged"]


@dataclass(frozen=True)
class ReviewRequest:
    """A GitHub pull request or a GitLab merge request."""

    number: int
    url: str
    state: RequestState
    body: str
    branch: str


class BranchExists(PublishFailed):
    """``commit(..., create=True)`` found the branch already there (another run made it first)."""


class RequestExists(PublishFailed):
    """``open_request`` found an open request for the branch already (another run opened it)."""


class HostAPI(Protocol):
    """What the flow needs of a code host; shas are the host's commit ids, paths repo-relative POSIX.

    Errors are ``PublishFailed`` (one line, no secret) after the adapter's own retries."""

    @property
    def bot_login(self) -> str:
        """The login whose commits are ours (the token's user, or the app's bot)."""
        ...

    def default_branch(self) -> str: ...

    def head(self, branch: str) -> str | None:
        """The branch's commit sha, or None when there is no such branch."""
        ...

    def read_file(self, ref: str, path: str) -> bytes | None:
        """The file's content at ``ref`` (a sha or branch), or None when it is absent."""
        ...

    def commit(
        self, branch: str, parent: str, files: Mapping[str, bytes], message: str, *, create: bool
    ) -> str:
        """A new commit on ``parent`` with ``files`` replaced; the branch is made to point at it.

        ``create``: the branch must not exist (raise ``BranchExists`` when it does; the create is
        the compare-and-swap between two runs); else it is moved there, even when ``parent`` is
        not its tip (a rebase onto a moved base). Returns the new commit's sha."""
        ...

    def foreign_commits(self, base: str, branch: str) -> list[str]:
        """Shas on ``branch`` and not on ``base`` not both authored and committed by ``bot_login``."""
        ...

    def find_request(self, branch: str) -> ReviewRequest | None:
        """The newest request from ``branch`` in any state, or None."""
        ...

    def open_request(
        self, branch: str, base: str, title: str, body: str, *, draft: bool, labels: Sequence[str]
    ) -> ReviewRequest:
        """Open a request (``RequestExists`` when one is open for the branch already)."""
        ...

    def update_request(self, number: int, title: str, body: str) -> None: ...

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        """The one comment whose body contains ``marker``: created, or edited only when it differs."""
        ...
