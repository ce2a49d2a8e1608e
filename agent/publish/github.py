"""``HostAPI`` on GitHub (and GitHub Enterprise Server) through githubkit: the Git Data API, no clone.

Every call goes through :class:`agent.publish.github_calls.Calls`, which holds the token (asked of
a ``TokenCache`` per request, never stored), the rate-limit waits and the retries.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from agent.errors import ConfigError, PublishFailed
from agent.identity.token import TokenCache
from agent.publish.github_calls import CachedToken, Calls, GitHubFailed
from agent.publish.remote import BranchExists, RemotePublisher, RequestExists, RequestState, ReviewRequest

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_TOKEN_ENV = "GITHUB_TOKEN"
ACTIONS_BOT = "github-actions[bot]"


def _state(pull: Mapping[str, Any]) -> RequestState:
    if pull.get("merged_at"):
        return "merged"
    return "open" if pull.get("state") == "open" else "closed"


def _request(pull: Mapping[str, Any]) -> ReviewRequest:
    return ReviewRequest(
        number=int(pull["number"]),
        url=str(pull.get("html_url") or ""),
        state=_state(pull),
        body=str(pull.get("body") or ""),
        branch=str(pull["head"]["ref"]),
        title=str(pull.get("title") or ""),
    )


class GitHubAPI:
    """One repository ``owner/name`` on ``api_url``; ``login`` names the bot when ``GET /user``
    cannot (an app's installation token: ``<slug>[bot]``)."""

    def __init__(self, repo: str, calls: Calls, *, login: Callable[[], str] | None = None) -> None:
        owner, _, name = repo.partition("/")
        if not owner or not name or "/" in name:
            raise ConfigError(f"publish.repo {repo!r} must be owner/name on GitHub")
        self.owner, self.name = owner, name
        self.calls = calls
        self._login = login
        self._bot: str | None = None
        self._path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"

    @property
    def bot_login(self) -> str:
        if self._bot is None:
            if self._login is not None:
                self._bot = self._login()
            else:
                self._bot = self._token_user()
        return self._bot

    def _token_user(self) -> str:
        """The token's user; an installation token may not ask (403): inside GitHub Actions that is
        the workflow's ``GITHUB_TOKEN``, whose commits and comments are github-actions[bot]'s."""
        try:
            return str(self.calls.json("GET", "/user", what="read the token's user")["login"])
        except GitHubFailed as exc:
            if exc.status == 403 and "integration" in exc.said:
                return ACTIONS_BOT
            raise

    def default_branch(self) -> str:
        return str(
            self.calls.json("GET", self._path, what=f"read {self.owner}/{self.name}")["default_branch"]
        )

    def head(self, branch: str) -> str | None:
        ref = self.calls.json(
            "GET", f"{self._path}/git/ref/heads/{quote(branch)}", what=f"read branch {branch}", absent_ok=True
        )
        return None if ref is None else str(ref["object"]["sha"])

    def read_file(self, ref: str, path: str) -> bytes | None:
        found = self.calls.json(
            "GET",
            f"{self._path}/contents/{quote(path)}",
            params={"ref": ref},
            what=f"read {path}",
            absent_ok=True,
        )
        if found is None:
            return None
        if not isinstance(found, dict) or found.get("type") != "file":
            raise PublishFailed(f"{path} at {ref[:12]} is not a file")
        if found.get("encoding") == "base64" and found.get("content"):
            return base64.b64decode(found["content"])
        # over 1 MB the contents API leaves the content out: read the blob
        blob = self.calls.json("GET", f"{self._path}/git/blobs/{found['sha']}", what=f"read {path}")
        return base64.b64decode(blob["content"])

    def commit(
        self, branch: str, parent: str, files: Mapping[str, bytes], message: str, *, create: bool
    ) -> str:
        """Blobs, a tree on the parent's, a commit, then the ref (created, or moved with force)."""
        git = f"{self._path}/git"
        tree = self.calls.json("GET", f"{git}/commits/{parent}", what="read the parent commit")["tree"]["sha"]
        entries = []
        for path, content in sorted(files.items()):
            blob = self.calls.json(
                "POST",
                f"{git}/blobs",
                json={"content": base64.b64encode(content).decode(), "encoding": "base64"},
                what=f"upload {path}",
            )
            entries.append({"path": path, "mode": "100644", "type": "blob", "sha": blob["sha"]})
        new_tree = self.calls.json(
            "POST", f"{git}/trees", json={"base_tree": tree, "tree": entries}, what="write the tree"
        )["sha"]
        sha = str(
            self.calls.json(
                "POST",
                f"{git}/commits",
                json={"message": message, "tree": new_tree, "parents": [parent]},
                what="write the commit",
            )["sha"]
        )
        if create:
            try:
                self.calls.json(
                    "POST",
                    f"{git}/refs",
                    json={"ref": f"refs/heads/{branch}", "sha": sha},
                    what=f"create {branch}",
                )
            except GitHubFailed as exc:
                if exc.status == 422 and "already exists" in exc.said:
                    raise BranchExists(f"branch {branch} already exists") from None
                raise
        else:
            self.calls.json(
                "PATCH",
                f"{git}/refs/heads/{quote(branch)}",
                json={"sha": sha, "force": True},
                what=f"move {branch}",
            )
        return sha

    def foreign_commits(self, base: str, branch: str) -> list[str]:
        tip = self.head(branch)
        if tip is None:
            return []
        # by sha: a branch name's slash would split the {basehead} path segment
        compared = self.calls.json(
            "GET", f"{self._path}/compare/{base}...{tip}", params={"per_page": 250}, what=f"compare {branch}"
        )
        bot = self.bot_login

        def ours(commit: Mapping[str, Any]) -> bool:
            return all((commit.get(who) or {}).get("login") == bot for who in ("author", "committer"))

        return [str(c["sha"]) for c in compared.get("commits") or [] if not ours(c)]

    def find_request(self, branch: str) -> ReviewRequest | None:
        found = self.calls.json(
            "GET",
            f"{self._path}/pulls",
            params={
                "head": f"{self.owner}:{branch}",
                "state": "all",
                "sort": "created",
                "direction": "desc",
                "per_page": 1,
            },
            what=f"list pull requests of {branch}",
        )
        return _request(found[0]) if found else None

    def open_request(
        self, branch: str, base: str, title: str, body: str, *, draft: bool, labels: Sequence[str]
    ) -> ReviewRequest:
        try:
            pull = self.calls.json(
                "POST",
                f"{self._path}/pulls",
                json={"title": title, "head": branch, "base": base, "body": body, "draft": draft},
                what=f"open a pull request from {branch}",
            )
        except GitHubFailed as exc:
            if exc.status == 422 and "already exists" in exc.said:
                raise RequestExists(f"a pull request from {branch} is open already") from None
            raise
        if labels:
            self.calls.json(
                "POST",
                f"{self._path}/issues/{pull['number']}/labels",
                json={"labels": list(labels)},
                what=f"label #{pull['number']}",
            )
        return _request(pull)

    def update_request(self, number: int, title: str, body: str) -> None:
        self.calls.json(
            "PATCH",
            f"{self._path}/pulls/{number}",
            json={"title": title, "body": body},
            what=f"update #{number}",
        )

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        bot = self.bot_login
        comments = self.calls.pages(
            f"{self._path}/issues/{number}/comments", what=f"list comments of #{number}"
        )
        ours = next(
            (
                c
                for c in comments
                if (c.get("user") or {}).get("login") == bot and marker in (c.get("body") or "")
            ),
            None,
        )
        if ours is None:
            self.calls.json(
                "POST",
                f"{self._path}/issues/{number}/comments",
                json={"body": body},
                what=f"comment on #{number}",
            )
        elif ours.get("body") != body:
            self.calls.json(
                "PATCH",
                f"{self._path}/issues/comments/{ours['id']}",
                json={"body": body},
                what=f"edit the comment on #{number}",
            )


def github_publisher(
    section: Any,
    cache: TokenCache,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> RemotePublisher:
    """The publisher ``[publish]`` describes on GitHub, with tokens from ``cache`` (audited there)."""
    api_url = section.api_url or DEFAULT_API_URL
    calls = Calls(api_url, CachedToken(cache, api_url), max_wait=section.max_wait, clock=clock, sleep=sleep)
    login = getattr(cache.source, "bot_login", None)  # an app's bot; a plain token: GET /user
    api = GitHubAPI(str(section.repo), calls, login=login if callable(login) else None)
    return RemotePublisher(
        api, section.collection, base_branch=section.base_branch, labels=section.labels, draft=section.draft
    )
