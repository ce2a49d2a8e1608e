"""JSON bodies in api.github.com's shapes (every field its OpenAPI schema requires)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from tests.github.standin.gitstore import TREE_MODE, ObjectStore, Signature
from tests.github.standin.hub import DAY_ONE, App, Comment, Hub, Installation, Label, Pull, Repo, User

DOCS = "https://docs.github.com/rest"


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0:{kind}{number}".encode()).decode()


def user(api: str, who: User) -> dict[str, Any]:
    """simple-user."""
    url = f"{api}/users/{quote(who.login)}"  # GitHub escapes a bot's brackets: dependabot%5Bbot%5D
    html = (
        f"{api}/apps/{who.login.removesuffix('[bot]')}" if who.type == "Bot" else f"{api}/{quote(who.login)}"
    )
    return {
        "login": who.login,
        "id": who.id,
        "node_id": node_id("User", who.id),
        "avatar_url": f"{api}/avatars/u/{who.id}",
        "gravatar_id": "",
        "url": url,
        "html_url": html,
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": who.type,
        "site_admin": False,
    }


def private_user(api: str, who: User) -> dict[str, Any]:
    """private-user (GET /user)."""
    counts = ("public_repos", "public_gists", "followers", "following", "private_gists")
    more = ("total_private_repos", "owned_private_repos", "disk_usage", "collaborators")
    return {
        **user(api, who),
        **dict.fromkeys(("company", "blog", "location", "hireable", "bio")),
        "name": who.name,
        "email": who.email,
        **dict.fromkeys(counts + more, 0),
        "created_at": DAY_ONE,
        "updated_at": DAY_ONE,
        "two_factor_authentication": True,
    }


_REPO_URLS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def repository(api: str, repo: Repo, *, full: bool = False) -> dict[str, Any]:
    """repository, or full-repository with ``full``."""
    url = f"{api}/repos/{repo.full_name}"
    html = f"{api}/{repo.full_name}"
    counts = ("forks", "forks_count", "stargazers_count", "watchers", "watchers_count", "size")
    open_count = sum(1 for p in repo.pulls.values() if p.state == "open")
    body: dict[str, Any] = {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": user(api, repo.owner),
        "private": True,
        "html_url": html,
        "description": None,
        "fork": False,
        "url": url,
        **{key: url + tail for key, tail in _REPO_URLS.items()},
        "git_url": f"git:{html[html.index('//') :]}.git",
        "ssh_url": f"git@localhost:{repo.full_name}.git",
        "clone_url": f"{html}.git",
        "svn_url": html,
        "mirror_url": None,
        "homepage": None,
        "language": None,
        **dict.fromkeys(counts, 0),
        "open_issues": open_count,
        "open_issues_count": open_count,
        "default_branch": repo.default_branch,
        **dict.fromkeys(("has_issues", "has_projects", "has_wiki", "has_downloads"), True),
        "has_pages": False,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private",
        "license": None,
        "pushed_at": repo.pushed_at,
        "created_at": repo.created_at,
        "updated_at": repo.pushed_at,
        "permissions": {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True},
    }
    if full:
        body.update(network_count=0, subscribers_count=0, topics=[], is_template=False, temp_clone_token=None)
        body.update(
            dict.fromkeys(
                ("allow_merge_commit", "allow_rebase_merge", "allow_squash_merge", "allow_forking"), True
            )
        )
        false = (
            "allow_auto_merge",
            "allow_update_branch",
            "delete_branch_on_merge",
            "web_commit_signoff_required",
        )
        body.update(dict.fromkeys((*false, "use_squash_pr_title_as_default"), False))
        if repo.owner.type == "Organization":
            body["organization"] = user(api, repo.owner)
    return body


def error(message: str, docs: str = DOCS, status: int | None = None, **extra: Any) -> dict[str, Any]:
    """GitHub's error body (basic-error / validation-error)."""
    body: dict[str, Any] = {"message": message, **extra, "documentation_url": docs}
    if status is not None:
        body["status"] = str(status)
    return body


def _git_person(sig: Signature) -> dict[str, Any]:
    return {"name": sig.name, "email": sig.email, "date": sig.iso()}


def _unsigned() -> dict[str, Any]:
    return {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None}


def git_commit(api: str, repo: Repo, sha: str) -> dict[str, Any]:
    """git-commit (the Git Data API's view)."""
    c = repo.store.commits[sha]
    base = f"{api}/repos/{repo.full_name}"
    return {
        "sha": sha,
        "node_id": node_id("Commit", int(sha[:8], 16)),
        "url": f"{base}/git/commits/{sha}",
        "html_url": f"{api}/{repo.full_name}/commit/{sha}",
        "author": _git_person(c.author),
        "committer": _git_person(c.committer),
        "tree": {"sha": c.tree, "url": f"{base}/git/trees/{c.tree}"},
        "message": c.message,
        "parents": [
            {"sha": p, "url": f"{base}/git/commits/{p}", "html_url": f"{api}/{repo.full_name}/commit/{p}"}
            for p in c.parents
        ],
        "verification": _unsigned(),
    }


def commit(api: str, hub: Hub, repo: Repo, sha: str) -> dict[str, Any]:
    """commit (the REST commits view: GitHub users matched by email, or null)."""
    c = repo.store.commits[sha]
    base = f"{api}/repos/{repo.full_name}"
    author, committer = hub.user_by_email(c.author.email), hub.user_by_email(c.committer.email)
    return {
        "url": f"{base}/commits/{sha}",
        "sha": sha,
        "node_id": node_id("Commit", int(sha[:8], 16)),
        "html_url": f"{api}/{repo.full_name}/commit/{sha}",
        "comments_url": f"{base}/commits/{sha}/comments",
        "commit": {
            "url": f"{base}/git/commits/{sha}",
            "author": _git_person(c.author),
            "committer": _git_person(c.committer),
            "message": c.message,
            "comment_count": 0,
            "tree": {"sha": c.tree, "url": f"{base}/git/trees/{c.tree}"},
            "verification": _unsigned(),
        },
        "author": user(api, author) if author else None,
        "committer": user(api, committer) if committer else None,
        "parents": [
            {"sha": p, "url": f"{base}/commits/{p}", "html_url": f"{api}/{repo.full_name}/commit/{p}"}
            for p in c.parents
        ],
    }


def tree(api: str, repo: Repo, sha: str, *, recursive: bool) -> dict[str, Any]:
    """git-tree."""
    base = f"{api}/repos/{repo.full_name}/git"
    rows: list[dict[str, Any]] = []

    def walk(tree_sha: str, prefix: str) -> None:
        for e in repo.store.trees[tree_sha]:
            row: dict[str, Any] = {
                "path": prefix + e.name,
                "mode": "040000" if e.mode == TREE_MODE else e.mode,
            }
            row.update(type=e.kind, sha=e.sha)
            if e.kind == "blob":
                row.update(size=len(repo.store.blob_bytes(e.sha)), url=f"{base}/blobs/{e.sha}")
            elif e.kind == "tree":
                row["url"] = f"{base}/trees/{e.sha}"
            rows.append(row)
            if recursive and e.kind == "tree":
                walk(e.sha, prefix + e.name + "/")

    walk(sha, "")
    return {"sha": sha, "url": f"{base}/trees/{sha}", "tree": rows, "truncated": False}


def encoded(content: bytes) -> str:
    """Base64 as GitHub sends it: wrapped at 60 characters, ending in a newline."""
    text = base64.b64encode(content).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


def blob(api: str, repo: Repo, sha: str) -> dict[str, Any]:
    content = repo.store.blob_bytes(sha)
    return {
        "sha": sha,
        "node_id": node_id("Blob", int(sha[:8], 16)),
        "size": len(content),
        "url": f"{api}/repos/{repo.full_name}/git/blobs/{sha}",
        "content": encoded(content),
        "encoding": "base64",
    }


def ref(api: str, repo: Repo, name: str) -> dict[str, Any]:
    """git-ref."""
    sha = repo.refs[name]
    kind = repo.store.kind(sha) or "commit"
    base = f"{api}/repos/{repo.full_name}/git"
    return {
        "ref": name,
        "node_id": node_id("Ref", abs(hash(name)) % 10**8),
        "url": f"{base}/{name}",
        "object": {"sha": sha, "type": kind, "url": f"{base}/{kind}s/{sha}"},
    }


def content_file(api: str, repo: Repo, path: str, sha: str, ref_name: str) -> dict[str, Any]:
    """content-file (contents API, base64)."""
    data = repo.store.blob_bytes(sha)
    return {
        **content_entry(api, repo, path, sha, "file", ref_name, len(data)),
        "content": encoded(data),
        "encoding": "base64",
    }


def content_entry(
    api: str, repo: Repo, path: str, sha: str, kind: str, ref_name: str, size: int
) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/contents/{path}?ref={ref_name}"
    git = f"{api}/repos/{repo.full_name}/git/{'blobs' if kind == 'file' else 'trees'}/{sha}"
    html = f"{api}/{repo.full_name}/{'blob' if kind == 'file' else 'tree'}/{ref_name}/{path}"
    return {
        "type": kind,
        "size": size,
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "url": url,
        "git_url": git,
        "html_url": html,
        "download_url": f"{api}/raw/{repo.full_name}/{ref_name}/{path}" if kind == "file" else None,
        "_links": {"self": url, "git": git, "html": html},
    }


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
        "head": _side(api, repo, pr.head_ref, pr.head_sha),
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


def integration(api: str, app: App) -> dict[str, Any]:
    """integration (GET /app)."""
    return {
        "id": app.id,
        "slug": app.slug,
        "node_id": node_id("App", app.id),
        "client_id": f"Iv1.{app.id:016x}",
        "owner": user(api, app.owner),
        "name": app.slug,
        "description": None,
        "external_url": f"{api}/apps/{app.slug}/about",
        "html_url": f"{api}/apps/{app.slug}",
        "created_at": DAY_ONE,
        "updated_at": DAY_ONE,
        "permissions": dict(app.permissions),
        "events": [],
        "installations_count": 1,
    }


def installation(api: str, found: Installation) -> dict[str, Any]:
    """installation (GET /repos/{o}/{r}/installation)."""
    return {
        "id": found.id,
        "account": user(api, found.account),
        "repository_selection": "all" if found.repositories is None else "selected",
        "access_tokens_url": f"{api}/app/installations/{found.id}/access_tokens",
        "repositories_url": f"{api}/installation/repositories",
        "html_url": f"{api}/settings/installations/{found.id}",
        "app_id": found.app.id,
        "app_slug": found.app.slug,
        "target_id": found.account.id,
        "target_type": found.account.type if found.account.type != "Bot" else "User",
        "permissions": dict(found.permissions),
        "events": [],
        "created_at": DAY_ONE,
        "updated_at": DAY_ONE,
        "single_file_name": None,
        "suspended_by": None,
        "suspended_at": None,
    }
