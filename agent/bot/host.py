"""What the bot asks of GitHub about one repository, over the publisher's ``GitHubAPI`` calls."""

from __future__ import annotations

import fnmatch
import threading
import time
from typing import Any
from urllib.parse import quote

from agent.errors import PublishFailed
from agent.publish.github import GitHubAPI

WRITERS = frozenset({"admin", "maintain", "write"})
PERMISSION_TTL = 60.0  # seconds a user's permission is trusted before it is asked again
MAX_TREE_ENTRIES = 20_000


class Roles:
    """Users' roles as GitHub said them, trusted for ``PERMISSION_TTL`` seconds (one per app)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], tuple[float, str]] = {}
        self.lock = threading.Lock()


class PullHost:
    """One repository on GitHub, as the bot sees it."""

    def __init__(self, api: GitHubAPI, roles: Roles) -> None:
        self.api, self.roles = api, roles
        self.calls = api.calls
        self.repo = f"{api.owner}/{api.name}"
        self._path = f"/repos/{quote(api.owner, safe='')}/{quote(api.name, safe='')}"

    def role(self, user: str) -> str:
        """The user's role on the repository (``role_name``: admin, maintain, write, triage, read, none)."""
        key = (self.repo, user)
        now = time.monotonic()
        with self.roles.lock:
            cached = self.roles.seen.get(key)
        if cached is not None and now - cached[0] < PERMISSION_TTL:
            return cached[1]
        answer = self.calls.json(
            "GET",
            f"{self._path}/collaborators/{quote(user, safe='')}/permission",
            what="read a commenter's permission",
            absent_ok=True,
        )
        role = str((answer or {}).get("role_name") or (answer or {}).get("permission") or "none")
        with self.roles.lock:
            self.roles.seen[key] = (now, role)
        return role

    def may_command(self, user: str) -> bool:
        """Whether ``user`` may write to the repository (only they command the bot)."""
        return self.role(user) in WRITERS

    def react(self, comment_id: int, content: str) -> None:
        """A reaction on the comment (``eyes`` when taken, ``+1`` when answered, ``confused``)."""
        self.calls.json(
            "POST",
            f"{self._path}/issues/comments/{comment_id}/reactions",
            json={"content": content},
            what="react to a comment",
        )

    def pull(self, number: int) -> dict[str, Any]:
        """The pull request as GitHub describes it."""
        return dict(self.calls.json("GET", f"{self._path}/pulls/{number}", what=f"read #{number}"))

    def sticky(self, number: int, marker: str, body: str) -> None:
        """The one comment carrying ``marker``, created or edited in place."""
        self.api.upsert_comment(number, marker, body)

    def reset_branch(self, branch: str, base_branch: str | None) -> None:
        """Point ``branch`` at its base again (``regenerate``, ``recreate``): its open pull request
        stays open, and the next publish starts from the base (deleting it would close the PR,
        and the publisher would read that as its tests rejected)."""
        base = self.api.head(base_branch or self.api.default_branch())
        if base is None or self.api.head(branch) is None:
            return
        self.calls.json(
            "PATCH",
            f"{self._path}/git/refs/heads/{quote(branch, safe='/')}",
            json={"sha": base, "force": True},
            what=f"reset {branch}",
        )

    def spec_files(self, sha: str, globs: list[str]) -> dict[str, bytes]:
        """The files at ``sha`` matching ``globs`` (plain paths are read directly)."""
        plain = [g for g in globs if not any(c in g for c in "*?[")]
        found = {p: data for p in plain if (data := self.api.read_file(sha, p)) is not None}
        patterns = [g for g in globs if g not in plain]
        if patterns:
            for path in self._paths(sha):
                if any(fnmatch.fnmatchcase(path, g) for g in patterns):
                    data = self.api.read_file(sha, path)
                    if data is not None:
                        found[path] = data
        return found

    def _paths(self, sha: str) -> list[str]:
        """Every file path of the commit's tree (walked one tree at a time, bounded)."""
        commit = self.calls.json("GET", f"{self._path}/git/commits/{sha}", what="read a commit")
        out: list[str] = []
        todo = [("", str(commit["tree"]["sha"]))]
        while todo:
            prefix, tree = todo.pop()
            listed = self.calls.json("GET", f"{self._path}/git/trees/{tree}", what="read a tree")
            for entry in listed.get("tree", []):
                path = prefix + str(entry["path"])
                if entry.get("type") == "tree":
                    todo.append((path + "/", str(entry["sha"])))
                elif entry.get("type") == "blob":
                    out.append(path)
            if len(out) > MAX_TREE_ENTRIES:
                raise PublishFailed(
                    f"{self.repo}: more than {MAX_TREE_ENTRIES} files; name spec_paths plainly"
                )
        return sorted(out)
