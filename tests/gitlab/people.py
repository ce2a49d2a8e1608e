"""What people do on the stand-in between runs: push to the bot's branch, close or merge its MR."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tests.gitlab.model import Project, User, now
from tests.gitlab.server import StandIn


def token() -> str:
    """A fresh project-access-token-shaped canary, made at run time."""
    return "glpat" + "-" + secrets.token_urlsafe(15)


@dataclass
class Setup:
    """A project with a default branch, its bot (and token) and a human."""

    project: Project
    bot: User
    bot_token: str
    human: User


def project(
    server: StandIn, path: str | None = None, files: dict[str, bytes] | None = None, branch: str = "main"
) -> Setup:
    """A project owned by a human, with a project bot holding a fresh project access token.

    Without ``path``, ``acme/api-tests-N``: a new project on a shared server for each test."""
    path = path or f"acme/api-tests-{len(server.gl.projects) + 1}"
    secret = token()
    human = server.gl.add_user("ada_lovelace")
    bot = server.gl.add_user(f"project_{len(server.gl.projects) + 1}_bot", token=secret, bot=True)
    made = server.gl.add_project(
        path, files=files or {"README.md": b"# api tests\n"}, owner=human, branch=branch
    )
    return Setup(made, bot, secret, human)


def push(server: StandIn, project: Project, branch: str, path: str, content: bytes, who: User) -> str:
    """A person's commit on ``branch`` changing one file (git push, as GitLab sees it)."""
    with server.gl.lock:
        tip = project.commits[project.branches[branch]]
        tree = {**tip.tree, path: content}
        commit = server.gl.make_commit(project, [tip.id], tree, f"Edit {path}", who)
        project.branches[branch] = commit.id
        return commit.id


def close(server: StandIn, project: Project, iid: int) -> None:
    """A reviewer closes the MR without merging."""
    with server.gl.lock:
        mr = project.mrs[iid]
        mr.state, mr.closed_at, mr.updated_at = "closed", now(), now()


def merge(server: StandIn, project: Project, iid: int, who: User) -> str:
    """A reviewer merges the MR: a merge commit on the target branch with the source's tree."""
    with server.gl.lock:
        mr = project.mrs[iid]
        base, head = project.branches[mr.target_branch], project.branches[mr.source_branch]
        tree = dict(project.commits[head].tree)
        commit = server.gl.make_commit(project, [base, head], tree, f"Merge branch '{mr.source_branch}'", who)
        project.branches[mr.target_branch] = commit.id
        mr.state, mr.merged_at, mr.updated_at = "merged", now(), now()
        return commit.id
