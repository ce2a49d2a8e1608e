"""JSON bodies in api.github.com's shapes (every field its OpenAPI schema requires)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from tests.github.standin.hub import DAY_ONE, App, Installation, Repo, User

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
        "fork": repo.parent is not None,
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
