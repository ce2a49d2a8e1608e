"""JSON bodies of pull requests, issue comments and labels in api.github.com's shapes."""

from __future__ import annotations

from typing import Any

from tests.github.standin.gitstore import ObjectStore
from tests.github.standin.hub import Comment, Hub, Label, Pull, Reaction, Repo
from tests.github.standin.shapes import node_id, repository, user


def label(api: str, repo: Repo, found: Label) -> dict[str, Any]:
    return {
        "id": found.id,
        "node_id": node_id("Label", found.id),
        "url": f"{api}/repos/{repo.full_name}/labels/{found.name}",
        "name": found.name,
        "description": found.description,
        "color": found.color,
        "default": False,
    }


def _pull_label(api: str, repo: Repo, found: Label, full: bool) -> dict[str, Any]:
    # pull-request-simple declares a label's description a string (not nullable): "" there.
    body = label(api, repo, found)
    return body if full or body["description"] is not None else {**body, "description": ""}


def comment(api: str, repo: Repo, found: Comment) -> dict[str, Any]:
    """issue-comment."""
    base = f"{api}/repos/{repo.full_name}"
    return {
        "id": found.id,
        "node_id": node_id("IssueComment", found.id),
        "url": f"{base}/issues/comments/{found.id}",
        "html_url": f"{api}/{repo.full_name}/pull/{found.issue}#issuecomment-{found.id}",
        "issue_url": f"{base}/issues/{found.issue}",
        "body": found.body,
        "user": user(api, found.user),
        "created_at": found.created_at,
        "updated_at": found.updated_at,
        "author_association": "MEMBER" if found.user.type != "Bot" else "NONE",
    }


def _side(api: str, repo: Repo, ref_name: str, sha: str) -> dict[str, Any]:
    return {
        "label": f"{repo.owner.login}:{ref_name}",
        "ref": ref_name,
        "sha": sha,
        "user": user(api, repo.owner),
        "repo": repository(api, repo),
    }


def pull(api: str, hub: Hub, repo: Repo, pr: Pull, *, full: bool) -> dict[str, Any]:
    """pull-request, or pull-request-simple without ``full``."""
    base = f"{api}/repos/{repo.full_name}"
    url, html = f"{base}/pulls/{pr.number}", f"{api}/{repo.full_name}/pull/{pr.number}"
    issue = f"{base}/issues/{pr.number}"
    links = {
        "self": url,
        "html": html,
        "issue": issue,
        "comments": f"{issue}/comments",
        "review_comments": f"{url}/comments",
        "review_comment": f"{base}/pulls/comments{{/number}}",
        "commits": f"{url}/commits",
        "statuses": f"{base}/statuses/{pr.head_sha}",
    }
    body: dict[str, Any] = {
        "url": url,
        "id": pr.id,
        "node_id": node_id("PullRequest", pr.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        "commits_url": links["commits"],
        "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"],
        "comments_url": links["comments"],
        "statuses_url": links["statuses"],
        "number": pr.number,
        "state": pr.state,
        "locked": False,
        "title": pr.title,
        "user": user(api, pr.user),
        "body": pr.body,
        "labels": [_pull_label(api, repo, repo.labels[n.lower()], full) for n in pr.labels],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": pr.created_at,
        "updated_at": pr.updated_at,
        "closed_at": pr.closed_at,
        "merged_at": pr.merged_at,
        "merge_commit_sha": pr.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _side(api, pr.head_repo or repo, pr.head_ref, pr.head_sha),
        "base": _side(api, repo, pr.base_ref, pr.base_sha),
        "_links": {k: {"href": v} for k, v in links.items()},
        "author_association": "NONE" if pr.user.type == "Bot" else "MEMBER",
        "auto_merge": None,
        "draft": pr.draft,
    }
    if full:
        store = repo.store
        commits = len(store.only_in(pr.head_sha, pr.base_sha))
        body.update(
            merged=pr.merged,
            mergeable=None if pr.state == "closed" else True,
            rebaseable=None if pr.state == "closed" else True,
            mergeable_state="unknown" if pr.state == "closed" else "clean",
            merged_by=user(api, pr.merged_by) if pr.merged_by else None,
            comments=sum(1 for c in repo.comments.values() if c.issue == pr.number),
            review_comments=0,
            maintainer_can_modify=False,
            commits=commits,
            additions=0,
            deletions=0,
            changed_files=_changed(store, pr),
        )
    return body


def _changed(store: ObjectStore, pr: Pull) -> int:
    base = store.merge_base(pr.base_sha, pr.head_sha)
    if base is None:
        return 0
    old, new = store.flatten(store.commits[base].tree), store.flatten(store.commits[pr.head_sha].tree)
    return sum(1 for p in set(old) | set(new) if old.get(p) != new.get(p))


def reaction(api: str, found: Reaction) -> dict[str, Any]:
    return {
        "id": found.id,
        "node_id": node_id("Reaction", found.id),
        "user": user(api, found.user),
        "content": found.content,
        "created_at": found.created_at,
    }
