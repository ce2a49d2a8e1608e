"""Publish a change set as a pull request on a code host, through the host's API (no clone).

``HostAPI`` is what a host adapter implements (``agent/publish/github.py``, ``gitlab.py``);
``RemotePublisher`` is the host-neutral flow over it (one open request per collection file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from agent.errors import BoundaryViolation, PublishFailed
from agent.models import Finding, PublishResult
from agent.ports import ChangeSet
from agent.publish.merge import dump_collection, merge_collection
from agent.publish.proposed import branch_for, ours_only, parse_collection, repo_path, test_ids, without
from agent.publish.request_body import (
    GITHUB_MAX_BODY,
    HANDS_OFF_MARKER,
    REPORT_MARKER,
    Marker,
    hands_off_comment,
    read_marker,
    report_comment,
    request_body,
)

RequestState = Literal["open", "closed", "merged"]


@dataclass(frozen=True)
class ReviewRequest:
    """A GitHub pull request or a GitLab merge request."""

    number: int
    url: str
    state: RequestState
    body: str
    branch: str
    title: str = ""


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


_ATTEMPTS = 3  # another run creating the branch first makes this one look again


class RemotePublisher:
    """Keeps one review request per collection file up to date through a ``HostAPI`` (no clone)."""

    def __init__(
        self,
        api: HostAPI,
        collection_path: str,
        *,
        base_branch: str | None = None,
        labels: Sequence[str] = (),
        draft: bool = False,
        max_body: int = GITHUB_MAX_BODY,
        kind: str = "pull request",
    ) -> None:
        self.api = api
        self.path = repo_path(collection_path)
        self.branch = branch_for(self.path)
        self.base_branch = base_branch
        self.labels = tuple(labels)
        self.draft = draft
        self.max_body = max_body
        self.kind = kind

    def publish(self, change_set: ChangeSet) -> PublishResult:
        """Open the request, or add a commit to the open one; nothing new touches nothing."""
        for _ in range(_ATTEMPTS):
            try:
                return self._publish(change_set)
            except (BranchExists, RequestExists):
                continue  # another run made the branch or the request between our look and our write
        raise PublishFailed(f"branch {self.branch} keeps changing under this run; try again later")

    def _publish(self, change_set: ChangeSet) -> PublishResult:
        api = self.api
        base_name = self.base_branch or api.default_branch()
        base = api.head(base_name)
        if base is None:
            raise PublishFailed(f"base branch {base_name!r} not found")
        found = api.find_request(self.branch)
        seen = read_marker(found.body) if found is not None else Marker()
        decided = _decided(found, seen, self.kind)
        request = found if found is not None and found.state == "open" else None
        tip = api.head(self.branch)
        if tip is not None and (foreign := api.foreign_commits(base, self.branch)):
            return self._hands_off(request, foreign, decided)

        on_base = parse_collection(api.read_file(base, self.path), f"{self.path} on {base_name}")
        existing = on_base
        # A branch no decided request owns (the open one's, or one a run left before opening its
        # request) keeps its earlier tests; a closed or merged request's branch starts afresh.
        carry = tip is not None and (found is None or request is not None)
        on_tip = api.read_file(tip, self.path) if carry and tip is not None else None
        if carry and tip is not None:
            earlier = parse_collection(on_tip, f"{self.path} on {self.branch}")
            prior = ours_only(earlier)
            existing = merge_collection(existing, prior) if prior is not None else existing
        generated = without(change_set.collection, frozenset(decided.rejected))
        flags: list[Finding] = []
        merged = merge_collection(existing, generated, flags) if generated is not None else existing
        errors = [f for f in flags if f.severity == "error"]
        if errors:  # e.g. our script sets a variable a human request uses in its host
            raise BoundaryViolation(
                f"{len(errors)} generated script finding(s) outside the script policy once merged into "
                f"{self.path} (first: {errors[0].code} at {errors[0].location}); nothing published"
            )
        ids = test_ids(merged, on_base) if merged is not None else frozenset()
        if not ids:  # the base holds these tests already (or every one was rejected)
            return decided.result(self.branch, None, request, proposed=[])
        assert merged is not None
        text = dump_collection(merged).encode()
        # the body before any write: one that cannot fit fails the run with nothing written
        summary = f"This {self.kind} proposes {len(ids)} tests for `{self.path}`."
        body, overflow = request_body(change_set.body, summary, Marker(base, ids), limit=self.max_body)
        if tip is not None and carry and on_tip == text:
            if request is not None:  # nothing new: touch nothing
                return decided.result(self.branch, tip, request, proposed=ids, created=False)
            commit = tip  # the branch a run left holds this already: open its request
        else:
            # on our own commit while the base has not moved; else rebuilt on the current base
            parent = tip if carry and tip is not None and seen.base == base else base
            commit = api.commit(
                self.branch, parent, {self.path: text}, self._message(ids), create=tip is None
            )
        request = self._open_or_update(request, base_name, change_set.title, body)
        lines = [f"- {len(ids)} tests proposed on base `{base[:12]}`, latest commit `{commit[:12]}`"]
        api.upsert_comment(
            request.number, REPORT_MARKER, report_comment(lines, overflow, limit=self.max_body)
        )
        return decided.result(self.branch, commit, request, proposed=ids)

    def _open_or_update(
        self, request: ReviewRequest | None, base_name: str, title: str, body: str
    ) -> ReviewRequest:
        """The open request with this title and body: opened, or edited when either changed."""
        if request is None:  # RequestExists: another run opened it a moment ago (publish looks again)
            return self.api.open_request(
                self.branch, base_name, title, body, draft=self.draft, labels=self.labels
            )
        if request.body != body or request.title != title:
            self.api.update_request(request.number, title, body)
        return request

    def _hands_off(
        self, request: ReviewRequest | None, foreign: list[str], decided: _Decided
    ) -> PublishResult:
        """A person committed to the branch: leave it, and say so once (on the open request)."""
        why = f"{len(foreign)} commit(s) on {self.branch} by someone else: left alone"
        why += " (delete the branch to hand it back)"
        if request is not None:
            self.api.upsert_comment(
                request.number, HANDS_OFF_MARKER, hands_off_comment(self.branch, foreign, self.kind)
            )
        return decided.result(self.branch, None, request, proposed=[], stopped=why)

    def _message(self, ids: frozenset[str]) -> str:
        """An honest commit message: what changed, where, and that a person must review it."""
        lines = [
            f"postwright: propose {len(ids)} API tests in {self.path}",
            "",
            "Generated by postwright and checked against the API spec; human-written",
            "items are unchanged. Review before merging.",
            "",
        ]
        return "\n".join([*lines, *(f"- {i}" for i in sorted(ids))]) + "\n"


@dataclass(frozen=True)
class _Decided:
    """What reviewers decided on the branch's newest request, when it is closed or merged."""

    rejected: tuple[str, ...] = ()
    merged: tuple[str, ...] = ()
    reason: str | None = None

    def result(
        self,
        branch: str,
        commit: str | None,
        request: ReviewRequest | None,
        *,
        proposed: Any,
        created: bool = True,
        stopped: str | None = None,
    ) -> PublishResult:
        return PublishResult(
            branch=branch,
            commit=commit,
            url=request.url if request is not None else None,
            created=created and commit is not None,
            request=request.number if request is not None else None,
            proposed=sorted(proposed),
            stopped=stopped,
            rejected=list(self.rejected),
            merged=list(self.merged),
            decision=self.reason,
        )


_SIGNS = {"merge request": "!"}


def _decided(found: ReviewRequest | None, seen: Marker, kind: str) -> _Decided:
    if found is None or found.state == "open":
        return _Decided()
    ids = tuple(sorted(seen.ids))
    ref = f"{kind} {_SIGNS.get(kind, '#')}{found.number}"  # GitLab writes a merge request as !N
    if found.state == "merged":
        return _Decided(merged=ids, reason=f"{ref} merged")
    return _Decided(rejected=ids, reason=f"{ref} closed without merging")
