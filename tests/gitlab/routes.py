"""The GitLab REST API v4 endpoints the adapter uses, over the stand-in's ``Instance``.

Each handler takes the instance, the caller, the project (if the path names one), the path's
remaining segments and the request's parameters (query string and JSON body merged, as GitLab's
Grape API reads them) and returns ``(status, json)`` or raw bytes. Errors are ``ApiError``s with
GitLab's ``{"message": ...}`` bodies: 404 "404 <Thing> Not Found", 400 with the service's
sentence, 409 for a second open MR of a source branch.
"""

from __future__ import annotations

import base64
from typing import Any

from tests.gitlab.model import ApiError, Instance, MergeRequest, Note, Project, User, now

Reply = tuple[int, Any]

_STATES = {"opened", "closed", "merged", "locked", "all"}


def _str(params: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(400, f"{name} is missing")
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"{name} is invalid")
    return value


def _web(gl: Instance, project: Project) -> str:
    return f"{gl.web}/{project.path_with_namespace}"


def _branch_json(gl: Instance, project: Project, name: str) -> dict[str, Any]:
    sha = project.branches[name]
    return {
        "name": name,
        "commit": project.commits[sha].json(_web(gl, project)),
        "merged": False,
        "protected": name == project.default_branch,
        "developers_can_push": False,
        "developers_can_merge": False,
        "can_push": True,
        "default": name == project.default_branch,
        "web_url": f"{_web(gl, project)}/-/tree/{name}",
    }


def get_project(gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]) -> Reply:
    return 200, project.json(_web(gl, project))


def branch(gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]) -> Reply:
    """GET/DELETE /repository/branches/:branch (``rest`` holds the method and the name)."""
    method, name = rest
    if name not in project.branches:
        raise ApiError(404, "404 Branch Not Found")
    if method == "DELETE":
        if name == project.default_branch:
            raise ApiError(405, "405 Method Not Allowed")
        del project.branches[name]
        return 204, None
    return 200, _branch_json(gl, project, name)


def create_branch(
    gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]
) -> Reply:
    name = _str(params, "branch", required=True)
    ref = _str(params, "ref", required=True)
    assert name is not None and ref is not None
    start = gl.resolve(project, ref)
    if start is None:
        raise ApiError(400, "Invalid reference name: " + ref)
    if name in project.branches:
        raise ApiError(400, "Branch already exists")
    project.branches[name] = start.id
    return 201, _branch_json(gl, project, name)


def raw_file(gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]) -> Reply:
    """GET /repository/files/:file_path/raw?ref= (ref defaults to the default branch)."""
    (path,) = rest
    commit = gl.resolve(project, _str(params, "ref") or project.default_branch)
    if commit is None or path not in commit.tree:
        raise ApiError(404, "404 File Not Found")
    return 200, commit.tree[path]


def _content(action: dict[str, Any]) -> bytes:
    content = action.get("content") or ""
    if not isinstance(content, str):
        raise ApiError(400, "actions[content] is invalid")
    if action.get("encoding", "text") == "base64":
        return base64.b64decode(content)
    return content.encode()


def _apply(project: Project, tree: dict[str, bytes], head: str | None, action: dict[str, Any]) -> None:
    """One commit action on ``tree``, checked as GitLab's Files::MultiService checks it."""
    kind, path = action.get("action"), action.get("file_path")
    if not isinstance(path, str) or not path:
        raise ApiError(400, "actions[file_path] is missing")
    if kind == "create":
        if path in tree:
            raise ApiError(400, "A file with this name already exists")
        tree[path] = _content(action)
    elif kind == "update":
        if path not in tree:
            raise ApiError(400, "A file with this name doesn't exist")
        last = action.get("last_commit_id")
        if last and head is not None and _last_touch(project, head, path) != last:
            raise ApiError(
                400, "You are attempting to update a file that has changed since you started editing it."
            )
        tree[path] = _content(action)
    elif kind == "delete":
        if path not in tree:
            raise ApiError(400, "A file with this name doesn't exist")
        del tree[path]
    else:
        raise ApiError(400, "actions[action] does not have a valid value")


def _last_touch(project: Project, head: str, path: str) -> str | None:
    """The newest commit from ``head`` that changed ``path`` (first-parent walk)."""
    cur: str | None = head
    while cur is not None:
        commit = project.commits[cur]
        parent = commit.parent_ids[0] if commit.parent_ids else None
        before = project.commits[parent].tree.get(path) if parent else None
        if commit.tree.get(path) != before:
            return cur
        cur = parent
    return None


def create_commit(
    gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]
) -> Reply:
    """POST /repository/commits: ``branch``, ``commit_message``, ``actions``, optional start, ``force``."""
    name = _str(params, "branch", required=True)
    message = _str(params, "commit_message", required=True)
    actions = params.get("actions")
    assert name is not None and message is not None
    if not isinstance(actions, list) or not actions:
        raise ApiError(400, "actions is missing")
    start_branch, start_sha = _str(params, "start_branch"), _str(params, "start_sha")
    if start_branch and start_sha:
        raise ApiError(400, "start_branch, start_sha are mutually exclusive")
    force = params.get("force") in (True, "true")
    if start_sha:
        start = project.commits.get(start_sha)
        if start is None:
            raise ApiError(400, f"Cannot find start_sha '{start_sha}'")
    else:
        start_name = start_branch or name
        if start_name not in project.branches:
            raise ApiError(400, "You can only create or edit files when you are on a branch")
        start = project.commits[project.branches[start_name]]
    different = bool(start_sha) or (start_branch is not None and start_branch != name)
    if different and name in project.branches and not force:
        raise ApiError(
            400, f"A branch called '{name}' already exists. Switch to that branch in order to make changes"
        )
    tree = dict(start.tree)
    for action in actions:
        if not isinstance(action, dict):
            raise ApiError(400, "actions is invalid")
        _apply(project, tree, start.id, action)
    commit = gl.make_commit(project, [start.id], tree, message, user)
    project.branches[name] = commit.id
    for mr in project.mrs.values():
        if mr.source_branch == name and mr.state == "opened":
            mr.sha, mr.updated_at = commit.id, now()
    body = commit.json(_web(gl, project))
    changed = sum(1 for p in set(tree) | set(start.tree) if tree.get(p) != start.tree.get(p))
    body.update(
        stats={"additions": changed, "deletions": 0, "total": changed},
        status=None,
        project_id=project.id,
        last_pipeline=None,
    )
    return 201, body


def list_commits(
    gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]
) -> Reply:
    head = gl.resolve(project, _str(params, "ref_name") or project.default_branch)
    if head is None:
        return 200, []  # GitLab answers an unknown ref_name with an empty list
    return 200, [project.commits[sha].json(_web(gl, project)) for sha in project.ancestors(head.id)]


def compare(gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]) -> Reply:
    """GET /repository/compare?from=&to=: commits on ``to`` not on ``from``, oldest first."""
    base = gl.resolve(project, _str(params, "from", required=True) or "")
    head = gl.resolve(project, _str(params, "to", required=True) or "")
    if base is None or head is None:
        raise ApiError(404, "404 Ref Not Found")
    behind = set(project.ancestors(base.id))
    ahead = [sha for sha in project.ancestors(head.id) if sha not in behind]
    web = _web(gl, project)
    commits = [project.commits[sha].json(web) for sha in reversed(ahead)]
    diffs = [
        {
            "old_path": p,
            "new_path": p,
            "a_mode": "100644",
            "b_mode": "100644",
            "diff": "",
            "new_file": p not in base.tree,
            "renamed_file": False,
            "deleted_file": p not in head.tree,
            "generated_file": False,
        }
        for p in sorted(set(base.tree) | set(head.tree))
        if base.tree.get(p) != head.tree.get(p)
    ]
    return 200, {
        "commit": commits[-1] if commits else None,
        "commits": commits,
        "diffs": diffs,
        "compare_timeout": False,
        "compare_same_ref": base.id == head.id,
        "web_url": f"{web}/-/compare/{base.id}...{head.id}",
    }


def _mr(project: Project, iid: str) -> MergeRequest:
    mr = project.mrs.get(int(iid)) if iid.isdigit() else None
    if mr is None:
        raise ApiError(404, "404 Not found")
    return mr


def list_mrs(gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]) -> Reply:
    state = _str(params, "state") or "all"
    if state not in _STATES:
        raise ApiError(400, "state does not have a valid value")
    found = [
        mr
        for mr in project.mrs.values()
        if state in ("all", mr.state)
        and params.get("source_branch") in (None, mr.source_branch)
        and params.get("target_branch") in (None, mr.target_branch)
    ]
    ascending = params.get("sort") == "asc"
    found.sort(key=lambda m: (m.created_at, m.iid), reverse=not ascending)
    return 200, [mr.json(_web(gl, project), gl.web) for mr in found]


def _labels(value: Any) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [str(label).strip() for label in items if str(label).strip()]


def create_mr(gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]) -> Reply:
    source = _str(params, "source_branch", required=True)
    target = _str(params, "target_branch", required=True)
    title = _str(params, "title", required=True)
    assert source is not None and target is not None and title is not None
    for name in (source, target):
        if name not in project.branches:
            raise ApiError(400, {"source_branch" if name == source else "target_branch": ["is invalid"]})
    if any(
        m.source_branch == source and m.target_branch == target and m.state == "opened"
        for m in project.mrs.values()
    ):
        dup = next(m for m in project.mrs.values() if m.source_branch == source and m.state == "opened")
        raise ApiError(409, [f"Another open merge request already exists for this source branch: !{dup.iid}"])
    iid = max(project.mrs, default=0) + 1
    mr = MergeRequest(
        gl.next_id(),
        iid,
        project.id,
        title,
        _str(params, "description") or "",
        source,
        target,
        user,
        _labels(params.get("labels")),
        sha=project.branches[source],
    )
    project.mrs[iid] = mr
    return 201, mr.json(_web(gl, project), gl.web)


def merge_request(
    gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]
) -> Reply:
    """GET/PUT /merge_requests/:iid (PUT edits title, description, labels, state_event)."""
    method, iid = rest
    mr = _mr(project, iid)
    if method == "PUT":
        for name in ("title", "description"):
            if name in params:
                setattr(mr, name, _str(params, name) or "")
        if "labels" in params:
            mr.labels = _labels(params["labels"])
        event = params.get("state_event")
        if event == "close" and mr.state == "opened":
            mr.state, mr.closed_at = "closed", now()
        elif event == "reopen" and mr.state == "closed":
            mr.state, mr.closed_at = "opened", None
        mr.updated_at = now()
    return 200, mr.json(_web(gl, project), gl.web)


def notes(gl: Instance, user: User, project: Project, rest: list[str], params: dict[str, Any]) -> Reply:
    """GET/POST /merge_requests/:iid/notes and PUT .../notes/:note_id."""
    method, iid, *note_id = rest
    mr = _mr(project, iid)
    if method == "GET":
        ordered = sorted(mr.notes, key=lambda n: n.id, reverse=params.get("sort", "desc") != "asc")
        return 200, [n.json(gl.web) for n in ordered]
    body = _str(params, "body", required=True)
    assert body is not None
    if method == "POST":
        note = Note(gl.next_id(), body, user, mr.id, mr.iid, project.id)
        mr.notes.append(note)
        return 201, note.json(gl.web)
    found = next((n for n in mr.notes if str(n.id) == note_id[0]), None)
    if found is None:
        raise ApiError(404, "404 Not found")
    if found.author.id != user.id:
        raise ApiError(403, "403 Forbidden")
    found.body, found.updated_at = body, now()
    return 200, found.json(gl.web)
