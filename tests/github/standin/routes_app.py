"""Who is who: the caller (/user, /rate_limit), collaborators' permissions, GitHub App endpoints (JWT)."""

from __future__ import annotations

import time
from typing import Any

from tests.github.standin import shapes
from tests.github.standin.auth import APP_DOCS
from tests.github.standin.hub import Token, new_token, stamp
from tests.github.standin.web import Fail, Reply, Request, Router, not_found, validation_failed

LEVELS = {"read": 1, "write": 2, "admin": 3}


def get_user(req: Request) -> Reply:
    assert req.token is not None
    if req.token.installation is not None:
        raise Fail(
            403,
            shapes.error(
                "Resource not accessible by integration",
                f"{shapes.DOCS}/users/users#get-the-authenticated-user",
                403,
            ),
        )
    return Reply(200, shapes.private_user(req.api, req.token.user))


def rate_limit(req: Request) -> Reply:
    assert req.token is not None
    t = req.token
    core = {"limit": t.limit, "remaining": max(0, t.limit - t.used), "reset": t.reset, "used": t.used}
    search = {"limit": 30, "remaining": 30, "reset": t.reset, "used": 0}
    return Reply(200, {"resources": {"core": core, "search": search}, "rate": core})


# A role's legacy `permission` value: maintain counts as write, triage as read (GitHub's mapping).
LEGACY = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}


def collaborator_permission(req: Request) -> Reply:
    repo = req.repo()
    who = req.hub.users.get(req.params["username"])
    if who is None:
        raise not_found(f"{shapes.DOCS}/collaborators/collaborators#get-repository-permissions-for-a-user")
    role = repo.roles.get(who.login, "none")
    collaborator = {**shapes.user(req.api, who), "role_name": role}
    return Reply(200, {"permission": LEGACY.get(role, "none"), "role_name": role, "user": collaborator})


def get_app(req: Request) -> Reply:
    assert req.app is not None
    return Reply(200, shapes.integration(req.api, req.app))


def repo_installation(req: Request) -> Reply:
    assert req.app is not None
    repo = req.hub.repo(req.params["owner"], req.params["repo"])
    for found in req.hub.installations.values():
        mine = found.app is req.app and repo is not None and found.account is repo.owner
        if mine and repo and (found.repositories is None or repo.full_name.lower() in found.repositories):
            return Reply(200, shapes.installation(req.api, found))
    raise not_found(f"{APP_DOCS}#get-a-repository-installation-for-the-authenticated-app")


def _narrowed(req: Request, granted: dict[str, str], asked: Any) -> dict[str, str]:
    if asked is None:
        return dict(granted)
    if not isinstance(asked, dict):
        raise validation_failed('Invalid request.\n\n"permissions" is not an object.')
    for name, level in asked.items():
        if LEVELS.get(str(level), 9) > LEVELS.get(granted.get(name, ""), 0):
            raise validation_failed(
                "The permissions requested are not granted to this installation.",
                docs=f"{APP_DOCS}#create-an-installation-access-token-for-an-app",
            )
    return {str(k): str(v) for k, v in asked.items()}


def access_token(req: Request) -> Reply:
    assert req.app is not None
    raw = req.params["id"]
    found = req.hub.installations.get(int(raw)) if raw.isdigit() else None
    if found is None or found.app is not req.app:
        raise not_found(f"{APP_DOCS}#create-an-installation-access-token-for-an-app")
    body = req.json()
    names, ids = body.get("repositories"), body.get("repository_ids")
    owned = {r.full_name.lower(): r for r in req.hub.repos.values() if r.owner is found.account}
    visible = {k: r for k, r in owned.items() if found.repositories is None or k in found.repositories}
    chosen = None
    if names is not None or ids is not None:
        wanted = {f"{found.account.login}/{n}".lower() for n in names or []}
        wanted |= {k for k, r in owned.items() if r.id in (ids or [])}
        if len(wanted) != len(names or []) + len(ids or []) or not wanted <= set(visible):
            raise validation_failed(
                "There is at least one repository that does not exist or is not accessible"
                " to the parent installation.",
                docs=f"{APP_DOCS}#create-an-installation-access-token-for-an-app",
            )
        chosen = frozenset(wanted)
    permissions = _narrowed(req, found.permissions, body.get("permissions"))
    expires = time.time() + req.app.token_ttl
    token = Token(
        new_token("ghs"),
        req.app.bot,
        expires,
        found,
        permissions,
        chosen if chosen is not None else found.repositories,
    )
    req.hub.tokens[token.value] = token
    reply: dict[str, Any] = {
        "token": token.value,
        "expires_at": stamp(expires),
        "permissions": permissions,
        "repository_selection": "selected" if token.repositories is not None else "all",
    }
    if chosen is not None:
        reply["repositories"] = [shapes.repository(req.api, visible[k]) for k in sorted(chosen)]
    return Reply(201, reply)


def register(router: Router) -> None:
    router.add("GET", "/user", get_user)
    router.add("GET", "/rate_limit", rate_limit)
    router.add("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", collaborator_permission)
    router.add("GET", "/app", get_app, auth="jwt")
    router.add("GET", "/repos/{owner}/{repo}/installation", repo_installation, auth="jwt")
    router.add("POST", "/app/installations/{id}/access_tokens", access_token, auth="jwt")
