"""The stand-in's state: users, tokens, apps, repositories with git objects, pulls, comments."""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.github.standin.gitstore import ObjectStore, Signature, now_signature

DAY_ONE = "2024-01-01T00:00:00Z"


def stamp(moment: float | None = None) -> str:
    """A GitHub timestamp (UTC, whole seconds, ``Z``)."""
    return datetime.fromtimestamp(time.time() if moment is None else moment, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def new_token(prefix: str) -> str:
    # Built at run time: no token-shaped literal sits in the source.
    return prefix + "_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36]


@dataclass
class User:
    """A GitHub account (a person, an organization or an app's bot)."""

    login: str
    id: int
    name: str
    email: str
    type: str = "User"  # "User" | "Organization" | "Bot"


@dataclass
class Token:
    """A credential the stand-in accepts: a user's token or an installation token."""

    value: str
    user: User
    expires_at: float | None = None
    installation: Installation | None = None
    permissions: dict[str, str] = field(default_factory=dict)
    repositories: frozenset[str] | None = None  # full names; None: every repository it may see
    limit: int = 5000
    used: int = 0
    reset: int = 0


@dataclass
class App:
    """A GitHub App: its bot user and the public key its JWTs are checked with."""

    id: int
    slug: str
    owner: User
    bot: User
    public_key_pem: bytes
    private_key_pem: bytes  # for tests to sign with; never sent anywhere
    permissions: dict[str, str]
    token_ttl: float = 3600.0


@dataclass
class Installation:
    """An app installed on an account, for all or selected repositories."""

    id: int
    app: App
    account: User
    repositories: frozenset[str] | None  # full names; None: all of the account's
    permissions: dict[str, str]


@dataclass
class Pull:
    """A pull request (an issue number shared with comments and labels)."""

    number: int
    id: int
    title: str
    body: str | None
    user: User
    head_ref: str
    base_ref: str
    head_sha: str
    base_sha: str
    draft: bool
    created_at: str
    updated_at: str
    state: str = "open"
    merged: bool = False
    merged_at: str | None = None
    merged_by: User | None = None
    closed_at: str | None = None
    merge_commit_sha: str | None = None
    labels: list[str] = field(default_factory=list)
    head_repo: Repo | None = None  # a fork's (tests/github/standin/forks.py); None: the base's own


@dataclass
class Comment:
    """An issue comment (a PR's conversation comment)."""

    id: int
    issue: int
    user: User
    body: str
    created_at: str
    updated_at: str


@dataclass
class Reaction:
    id: int
    user: User
    content: str
    created_at: str


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None


@dataclass
class Repo:
    """A repository: git objects, refs and the issues/pulls on it."""

    id: int
    owner: User
    name: str
    default_branch: str
    created_at: str
    store: ObjectStore = field(default_factory=ObjectStore)
    refs: dict[str, str] = field(default_factory=dict)  # "refs/heads/main" -> sha
    pulls: dict[int, Pull] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # login -> admin|maintain|write|triage|read
    reactions: dict[int, list[Reaction]] = field(default_factory=dict)  # comment id -> reactions
    next_number: int = 1
    pushed_at: str = DAY_ONE
    parent: Repo | None = None  # the repository this one is a fork of

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def branch(self, name: str) -> str | None:
        return self.refs.get(f"refs/heads/{name}")


@dataclass
class Fault:
    """A response to give instead of the real one, to the next matching request(s)."""

    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: Any
    times: int


@dataclass
class LoggedRequest:
    """One request as received, for canary searches (was a secret ever sent?)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int = 0

    def text(self, *, credential: bool = True) -> str:
        """The request as text; without ``credential``, the Authorization header is left out."""
        shown = {k: v for k, v in self.headers.items() if credential or k != "authorization"}
        head = "\n".join(f"{k}: {v}" for k, v in shown.items())
        return f"{self.method} {self.path}?{self.query}\n{head}\n\n{self.body.decode('utf-8', 'replace')}"


class Hub:
    """Everything the stand-in knows; handlers hold ``lock`` while they read or change it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.apps: dict[int, App] = {}
        self.installations: dict[int, Installation] = {}
        self.repos: dict[str, Repo] = {}
        self.faults: list[Fault] = []
        self.log: list[LoggedRequest] = []
        self._ids = 1000

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def user(self, login: str) -> User:
        return self.users[login]

    def user_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email.lower() == email.lower()), None)

    def repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def signature(self, user: User) -> Signature:
        return now_signature(user.name, user.email)
