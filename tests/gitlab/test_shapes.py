"""The stand-in's answers have the shapes of GitLab's OpenAPI v2 description (openapi_v2.yaml).

Written down here (required keys and JSON types; optional keys typed when present) from the
definitions of GitLab's ``doc/api/openapi/openapi_v2.yaml``: ``API_Entities_Commit``,
``API_Entities_Branch``, ``API_Entities_Compare`` and ``API_Entities_MergeRequestBasic`` (read
through a client generated from that file; the 2 MB description itself could not be searched
here), and, for what that description leaves out, the "Notes API" and "Users API" pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
import requests

from tests.gitlab import people
from tests.gitlab.server import StandIn

_STR, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_OPT_STR = {"type": ["string", "null"]}
USER_BASIC = {
    "type": "object",
    "required": ["id", "username", "name", "state", "avatar_url", "web_url"],
    "properties": {"id": _INT, "username": _STR, "name": _STR, "state": _STR, "avatar_url": _OPT_STR},
}
COMMIT = {  # API_Entities_Commit
    "type": "object",
    "required": ["id", "created_at"],
    "properties": {
        "id": _STR,
        "created_at": _STR,
        "short_id": _STR,
        "title": _STR,
        "message": _STR,
        "author_name": _STR,
        "author_email": _STR,
        "authored_date": _STR,
        "committer_name": _STR,
        "committer_email": _STR,
        "committed_date": _STR,
        "parent_ids": {"type": "array", "items": _STR},
        "trailers": {"type": "object"},
        "extended_trailers": {"type": "object"},
        "web_url": _STR,
    },
}
BRANCH = {  # API_Entities_Branch
    "type": "object",
    "required": ["name", "commit", "merged", "default"],
    "properties": {
        "name": _STR,
        "commit": COMMIT,
        "merged": _BOOL,
        "default": _BOOL,
        "protected": _BOOL,
        "developers_can_push": _BOOL,
        "developers_can_merge": _BOOL,
        "can_push": _BOOL,
        "web_url": _STR,
    },
}
COMPARE = {  # API_Entities_Compare
    "type": "object",
    "properties": {
        "commit": {"oneOf": [COMMIT, {"type": "null"}]},
        "commits": {"type": "array", "items": COMMIT},
        "diffs": {"type": "array", "items": {"type": "object", "required": ["old_path", "new_path"]}},
        "compare_timeout": _BOOL,
        "compare_same_ref": _BOOL,
        "web_url": _STR,
    },
}
MERGE_REQUEST = {  # API_Entities_MergeRequestBasic
    "type": "object",
    "required": [
        "id",
        "iid",
        "project_id",
        "title",
        "state",
        "created_at",
        "source_branch",
        "target_branch",
        "author",
        "user",
    ],
    "properties": {
        "id": _INT,
        "iid": _INT,
        "project_id": _INT,
        "title": _STR,
        "description": _OPT_STR,
        "state": {"enum": ["opened", "closed", "merged", "locked"]},
        "created_at": _STR,
        "updated_at": _OPT_STR,
        "merged_at": _OPT_STR,
        "closed_at": _OPT_STR,
        "source_branch": _STR,
        "target_branch": _STR,
        "target_project_id": _INT,
        "author": USER_BASIC,
        "labels": {"type": "array", "items": _STR},
        "draft": _BOOL,
        "sha": _OPT_STR,
        "merge_commit_sha": _OPT_STR,
        "detailed_merge_status": _STR,
        "user": {"type": "object", "properties": {"can_merge": _BOOL}},
        "web_url": _STR,
    },
}
NOTE = {  # Notes API: a merge request note
    "type": "object",
    "required": [
        "id",
        "body",
        "author",
        "created_at",
        "system",
        "noteable_id",
        "noteable_type",
        "noteable_iid",
    ],
    "properties": {
        "id": _INT,
        "body": _STR,
        "author": USER_BASIC,
        "system": _BOOL,
        "noteable_type": {"const": "MergeRequest"},
    },
}
CURRENT_USER = {  # Users API: GET /user
    **USER_BASIC,
    "required": [*USER_BASIC["required"], "bot", "email", "commit_email"],
}


def _get(gl: StandIn, token: str, path: str, **kw: Any) -> Any:
    res = requests.request(
        kw.pop("method", "GET"), gl.api_url + path, headers={"PRIVATE-TOKEN": token}, timeout=10, **kw
    )
    assert res.status_code < 300, res.text
    return res.json()


@pytest.fixture
def answers(gitlab: StandIn) -> dict[str, Any]:
    s = people.project(gitlab)
    pid = quote(s.project.path_with_namespace, safe="")
    main = s.project.branches["main"]
    made = _get(
        gitlab,
        s.bot_token,
        f"/projects/{pid}/repository/commits",
        method="POST",
        json={
            "branch": "b",
            "start_sha": main,
            "commit_message": "m",
            "actions": [{"action": "create", "file_path": "a.json", "content": "{}"}],
        },
    )
    mr = _get(
        gitlab,
        s.bot_token,
        f"/projects/{pid}/merge_requests",
        method="POST",
        json={"source_branch": "b", "target_branch": "main", "title": "t", "labels": "x"},
    )
    note = _get(
        gitlab, s.bot_token, f"/projects/{pid}/merge_requests/1/notes", method="POST", json={"body": "hi"}
    )
    return {
        "commit": (COMMIT, made),
        "branch": (BRANCH, _get(gitlab, s.bot_token, f"/projects/{pid}/repository/branches/b")),
        "commits": (COMMIT, _get(gitlab, s.bot_token, f"/projects/{pid}/repository/commits?ref_name=b")),
        "compare": (
            COMPARE,
            _get(gitlab, s.bot_token, f"/projects/{pid}/repository/compare?from={main}&to=b"),
        ),
        "same": (COMPARE, _get(gitlab, s.bot_token, f"/projects/{pid}/repository/compare?from=b&to=b")),
        "mr": (MERGE_REQUEST, mr),
        "mrs": (MERGE_REQUEST, _get(gitlab, s.bot_token, f"/projects/{pid}/merge_requests?source_branch=b")),
        "note": (NOTE, note),
        "notes": (NOTE, _get(gitlab, s.bot_token, f"/projects/{pid}/merge_requests/1/notes")),
        "user": (CURRENT_USER, _get(gitlab, s.bot_token, "/user")),
    }


@pytest.mark.parametrize(
    "which", ["commit", "branch", "commits", "compare", "same", "mr", "mrs", "note", "notes", "user"]
)
def test_every_answer_has_gitlabs_shape(answers: dict[str, Any], which: str) -> None:
    schema, body = answers[which]
    for one in body if isinstance(body, list) else [body]:
        jsonschema.validate(one, schema)
    assert body != []
