"""Forks: a copy of a repository owned by another account, and pull requests from its branches.

GitHub keeps a fork's objects in one network with its parent's (the base repository can read a
fork PR's head commit, as ``refs/pull/N/head``); ``share`` copies them over the same way.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from tests.github.standin.hub import Hub, Repo, stamp

if TYPE_CHECKING:
    from tests.github.standin.control import GitHubStandIn


def fork(standin: GitHubStandIn, full_name: str, owner: str) -> Repo:
    """``owner`` (a person) forks ``full_name``: same name, same branches, ``owner`` its admin."""
    source = standin.repo(full_name)
    who = standin.add_user(owner)
    hub = standin.hub
    with hub.lock:
        found = Repo(
            hub.next_id(),
            who,
            source.name,
            source.default_branch,
            stamp(),
            store=copy.deepcopy(source.store),
            refs=dict(source.refs),
            parent=source,
        )
        found.roles[owner] = "admin"
        hub.repos[found.full_name.lower()] = found
        return found


def head_of(hub: Hub, repo: Repo, head: str) -> tuple[Repo, str]:
    """A PR's ``head`` (``branch`` or ``owner:branch``): the repository holding the branch (``repo``
    or its fork by ``owner``) and the branch; ``""`` when no such fork exists."""
    owner, sep, branch = head.partition(":")
    if not sep or owner.lower() == repo.owner.login.lower():
        return repo, branch if sep else head
    forked = next(
        (r for r in hub.repos.values() if r.parent is repo and r.owner.login.lower() == owner.lower()),
        None,
    )
    return (forked, branch) if forked is not None else (repo, "")


def share(head: Repo, base: Repo) -> None:
    """The fork's objects become readable in the base repository (one object network)."""
    if head is base:
        return
    base.store.objects.update(head.store.objects)
    base.store.trees.update(head.store.trees)
    base.store.commits.update(head.store.commits)
