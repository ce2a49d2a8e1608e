"""The GitLab stand-in's state: one instance's users, projects, commits, branches, MRs and notes.

Shapes follow GitLab's REST API v4 documentation (docs.gitlab.com/ee/api/): "Projects API"
(GET /projects/:id), "Branches API", "Repository files API" (raw), "Commits API" (create with
actions, list, get), "Repositories API" (compare), "Merge requests API", "Notes API" (merge
request notes) and "Users API" (GET /user). Commit ids are sha1 hex over the commit's content,
as unique as git's; trees are path -> bytes maps (no git objects: GitLab's REST API never shows
trees to this adapter). Every mutation runs under one lock, as GitLab serialises a ref update.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class ApiError(Exception):
    """A GitLab error response: ``status`` and the ``{"message": ...}`` body."""

    def __init__(self, status: int, message: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def now() -> str:
    """GitLab's timestamp form: ISO 8601 with milliseconds and Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class User:
    id: int
    username: str
    name: str
    email: str
    bot: bool = False

    def basic(self, base: str) -> dict[str, Any]:
        """UserBasic: what MRs and notes embed as ``author``."""
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "state": "active",
            "locked": False,
            "avatar_url": None,
            "web_url": f"{base}/{self.username}",
        }

    def current(self, base: str) -> dict[str, Any]:
        """GET /user for the token's owner (a project bot has ``bot: true``)."""
        return {
            **self.basic(base),
            "bot": self.bot,
            "email": self.email,
            "commit_email": self.email,
            "public_email": None,
            "created_at": "2026-01-01T00:00:00.000Z",
            "is_admin": False,
        }


@dataclass
class Commit:
    id: str
    parent_ids: list[str]
    tree: dict[str, bytes]
    message: str
    author: tuple[str, str]  # name, email
    committer: tuple[str, str]
    created_at: str = field(default_factory=now)

    def json(self, base: str) -> dict[str, Any]:
        """The Commits API's commit (``title`` is the message's first line)."""
        return {
            "id": self.id,
            "short_id": self.id[:8],
            "created_at": self.created_at,
            "parent_ids": list(self.parent_ids),
            "title": self.message.split("\n", 1)[0],
            "message": self.message,
            "author_name": self.author[0],
            "author_email": self.author[1],
            "authored_date": self.created_at,
            "committer_name": self.committer[0],
            "committer_email": self.committer[1],
            "committed_date": self.created_at,
            "trailers": {},
            "extended_trailers": {},
            "web_url": f"{base}/-/commit/{self.id}",
        }


@dataclass
class Note:
    id: int
    body: str
    author: User
    noteable_id: int
    noteable_iid: int
    project_id: int
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)

    def json(self, base: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": None,
            "body": self.body,
            "attachment": None,
            "author": self.author.basic(base),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "system": False,
            "noteable_id": self.noteable_id,
            "noteable_type": "MergeRequest",
            "project_id": self.project_id,
            "resolvable": False,
            "confidential": False,
            "internal": False,
            "noteable_iid": self.noteable_iid,
            "commands_changes": {},
        }


@dataclass
class MergeRequest:
    id: int
    iid: int
    project_id: int
    title: str
    description: str
    source_branch: str
    target_branch: str
    author: User
    labels: list[str]
    state: str = "opened"  # opened | closed | merged | locked
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    merged_at: str | None = None
    closed_at: str | None = None
    sha: str | None = None
    notes: list[Note] = field(default_factory=list)

    def json(self, web: str, base: str) -> dict[str, Any]:
        draft = self.title.startswith(("Draft:", "[Draft]", "(Draft)"))
        return {
            "id": self.id,
            "iid": self.iid,
            "project_id": self.project_id,
            "title": self.title,
            "description": self.description,
            "state": self.state,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "merged_at": self.merged_at,
            "closed_at": self.closed_at,
            "target_branch": self.target_branch,
            "source_branch": self.source_branch,
            "source_project_id": self.project_id,
            "target_project_id": self.project_id,
            "author": self.author.basic(base),
            "assignees": [],
            "reviewers": [],
            "labels": list(self.labels),
            "draft": draft,
            "work_in_progress": draft,
            "merge_when_pipeline_succeeds": False,
            "merge_status": "can_be_merged",
            "detailed_merge_status": "mergeable",
            "sha": self.sha,
            "merge_commit_sha": None,
            "squash_commit_sha": None,
            "user_notes_count": len(self.notes),
            "should_remove_source_branch": None,
            "force_remove_source_branch": False,
            "squash": False,
            "references": {"short": f"!{self.iid}", "relative": f"!{self.iid}", "full": f"!{self.iid}"},
            "user": {"can_merge": True},
            "web_url": f"{web}/-/merge_requests/{self.iid}",
        }


@dataclass
class Project:
    id: int
    path_with_namespace: str
    default_branch: str
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)  # name -> commit id
    mrs: dict[int, MergeRequest] = field(default_factory=dict)

    def json(self, web: str) -> dict[str, Any]:
        namespace, _, path = self.path_with_namespace.rpartition("/")
        return {
            "id": self.id,
            "name": path,
            "path": path,
            "name_with_namespace": f"{namespace} / {path}",
            "path_with_namespace": self.path_with_namespace,
            "default_branch": self.default_branch,
            "visibility": "private",
            "web_url": web,
            "http_url_to_repo": f"{web}.git",
            "created_at": "2026-01-01T00:00:00.000Z",
            "last_activity_at": now(),
            "empty_repo": not self.commits,
            "archived": False,
            "namespace": {"id": self.id + 1000, "name": namespace, "path": namespace, "kind": "group"},
        }

    def ancestors(self, sha: str) -> list[str]:
        """Commit ids reachable from ``sha``, newest first (first-parent order is enough here)."""
        seen: list[str] = []
        todo = [sha]
        while todo:
            cur = todo.pop(0)
            if cur in seen or cur not in self.commits:
                continue
            seen.append(cur)
            todo.extend(self.commits[cur].parent_ids)
        return seen


class Instance:
    """A GitLab instance's data, guarded by one lock."""

    def __init__(self, web: str = "http://gitlab.invalid") -> None:
        self.web = web
        self.lock = threading.RLock()
        self.users: dict[int, User] = {}
        self.tokens: dict[str, int] = {}  # token -> user id
        self.projects: dict[int, Project] = {}
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        return next(self._ids)

    def add_user(self, username: str, *, token: str | None = None, bot: bool = False) -> User:
        with self.lock:
            user = User(
                self.next_id(),
                username,
                username.replace("_", " ").title(),
                f"{username}@noreply.gitlab.invalid",
                bot,
            )
            self.users[user.id] = user
            if token is not None:
                self.tokens[token] = user.id
            return user

    def add_project(
        self, path: str, *, files: dict[str, bytes], owner: User, branch: str = "main"
    ) -> Project:
        """A project whose default branch holds one initial commit with ``files``."""
        with self.lock:
            project = Project(self.next_id(), path, branch)
            self.projects[project.id] = project
            first = self.make_commit(project, [], dict(files), "Initial commit", owner)
            project.branches[branch] = first.id
            return project

    def project(self, ident: str) -> Project:
        """By numeric id or ``group/project`` path (URL-decoded)."""
        for project in self.projects.values():
            if ident in (str(project.id), project.path_with_namespace):
                return project
        raise ApiError(404, "404 Project Not Found")

    def make_commit(
        self,
        project: Project,
        parents: list[str],
        tree: dict[str, bytes],
        message: str,
        author: User,
        committer: User | None = None,
    ) -> Commit:
        digest = hashlib.sha1(usedforsecurity=False)
        for part in (*parents, message, author.email, str(self.next_id())):
            digest.update(part.encode() + b"\0")
        for path in sorted(tree):
            digest.update(path.encode() + b"\0" + hashlib.sha1(tree[path], usedforsecurity=False).digest())
        who = committer or author
        commit = Commit(
            digest.hexdigest(), parents, tree, message, (author.name, author.email), (who.name, who.email)
        )
        project.commits[commit.id] = commit
        return commit

    def resolve(self, project: Project, ref: str) -> Commit | None:
        """A branch name or a full/short commit id."""
        if ref in project.branches:
            return project.commits[project.branches[ref]]
        if ref in project.commits:
            return project.commits[ref]
        hits = [c for sha, c in project.commits.items() if len(ref) >= 7 and sha.startswith(ref)]
        return hits[0] if len(hits) == 1 else None
