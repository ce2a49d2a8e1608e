"""Repository, Git Data API (blobs, trees, commits, refs), contents and compare."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from tests.github.standin import shapes, shapes_git
from tests.github.standin.gitstore import TREE_MODE, GitError, Signature, parse_date
from tests.github.standin.hub import Repo, stamp
from tests.github.standin.web import Fail, Reply, Request, Router, not_found, validation_failed

SHA = re.compile(r"^[0-9a-f]{40}$")
GIT_DOCS = f"{shapes.DOCS}/git"


def resolve_ref(repo: Repo, name: str) -> str | None:
    """A commit sha for a branch name, ``refs/...``, ``heads/...`` or a (full) sha."""
    name = name.split(":", 1)[-1]
    if SHA.match(name) and name in repo.store.commits:
        return name
    for candidate in (name, f"refs/{name}", f"refs/heads/{name}", f"refs/tags/{name}"):
        if candidate in repo.refs:
            return repo.refs[candidate]
    return None


def get_repo(req: Request) -> Reply:
    return Reply(200, shapes.repository(req.api, req.repo(), full=True))


def create_blob(req: Request) -> Reply:
    repo, body = req.repo(), req.json()
    req.need("contents")
    content, encoding = body.get("content"), body.get("encoding", "utf-8")
    if not isinstance(content, str):
        raise validation_failed(
            'Invalid request.\n\n"content" wasn\'t supplied.', docs=f"{GIT_DOCS}/blobs#create-a-blob"
        )
    try:
        data = base64.b64decode(content, validate=False) if encoding == "base64" else content.encode()
    except binascii.Error:
        raise validation_failed("Invalid request.\n\nContent is not valid Base64.") from None
    sha = repo.store.blob(data)
    return Reply(201, {"url": f"{req.api}/repos/{repo.full_name}/git/blobs/{sha}", "sha": sha})


def get_blob(req: Request) -> Reply:
    repo = req.repo()
    if repo.store.kind(req.params["sha"]) != "blob":
        raise not_found(f"{GIT_DOCS}/blobs#get-a-blob")
    return Reply(200, shapes_git.blob(req.api, repo, req.params["sha"]))


def _entry_files(req: Request, repo: Repo, entries: Any, files: dict[str, tuple[str, str]]) -> None:
    if not isinstance(entries, list):
        raise validation_failed('Invalid request.\n\n"tree" wasn\'t supplied.')
    for entry in entries:
        path, mode, sha = entry.get("path"), entry.get("mode"), entry.get("sha")
        if not isinstance(path, str) or mode not in ("100644", "100755", "040000", "160000", "120000"):
            raise validation_failed("Invalid tree info", docs=f"{GIT_DOCS}/trees#create-a-tree")
        if "content" in entry:
            files[path] = (mode, repo.store.blob(str(entry["content"]).encode()))
        elif sha is None:
            for known in [p for p in files if p == path or p.startswith(path + "/")]:
                del files[known]
        elif mode == "040000":
            if sha not in repo.store.trees:
                raise validation_failed(f"Invalid tree info: tree {sha} does not exist")
            files.update({f"{path}/{p}": v for p, v in repo.store.flatten(sha).items()})
        else:
            if repo.store.kind(sha) != "blob" and mode != "160000":
                raise validation_failed("Invalid tree info", docs=f"{GIT_DOCS}/trees#create-a-tree")
            files[path] = (mode, sha)


def create_tree(req: Request) -> Reply:
    repo, body = req.repo(), req.json()
    req.need("contents")
    files: dict[str, tuple[str, str]] = {}
    base = body.get("base_tree")
    if base is not None:
        if base not in repo.store.trees:
            raise validation_failed(
                "Invalid request.\n\nbase_tree is not a valid tree sha",
                docs=f"{GIT_DOCS}/trees#create-a-tree",
            )
        files = repo.store.flatten(base)
    _entry_files(req, repo, body.get("tree"), files)
    sha = repo.store.build(files)
    return Reply(201, shapes_git.tree(req.api, repo, sha, recursive=False))


def get_tree(req: Request) -> Reply:
    repo, sha = req.repo(), req.params["sha"]
    found = resolve_ref(repo, sha)
    sha = repo.store.commits[found].tree if found and found in repo.store.commits else sha
    if sha not in repo.store.trees:
        raise not_found(f"{GIT_DOCS}/trees#get-a-tree")
    recursive = req.query.get("recursive", "") not in ("", "0", "false")
    return Reply(200, shapes_git.tree(req.api, repo, sha, recursive=recursive))


def _signature(value: Any, fallback: Signature) -> Signature:
    if not isinstance(value, dict):
        return fallback
    date = parse_date(value["date"]) if value.get("date") else fallback.date
    return Signature(str(value.get("name", fallback.name)), str(value.get("email", fallback.email)), date)


def create_commit(req: Request) -> Reply:
    repo, body = req.repo(), req.json()
    req.need("contents")
    assert req.token is not None
    me = req.hub.signature(req.token.user)
    author = _signature(body.get("author"), me)
    committer = _signature(body.get("committer"), author if body.get("author") else me)
    parents = body.get("parents") or []
    try:
        sha = repo.store.commit(
            str(body.get("tree")), list(parents), author, committer, str(body.get("message", ""))
        )
    except (GitError, TypeError):
        raise validation_failed(
            "Tree SHA does not exist", docs=f"{GIT_DOCS}/commits#create-a-commit"
        ) from None
    return Reply(201, shapes_git.git_commit(req.api, repo, sha))


def get_commit(req: Request) -> Reply:
    repo = req.repo()
    if req.params["sha"] not in repo.store.commits:
        raise not_found(f"{GIT_DOCS}/commits#get-a-commit")
    return Reply(200, shapes_git.git_commit(req.api, repo, req.params["sha"]))


def get_ref(req: Request) -> Reply:
    repo, name = req.repo(), "refs/" + req.params["ref"]
    if name not in repo.refs:
        raise not_found(f"{GIT_DOCS}/refs#get-a-reference")
    return Reply(200, shapes_git.ref(req.api, repo, name))


def create_ref(req: Request) -> Reply:
    repo, body = req.repo(), req.json()
    req.need("contents")
    name, sha = body.get("ref"), body.get("sha")
    if not isinstance(name, str) or not name.startswith("refs/") or name.count("/") < 2:
        raise validation_failed("Reference name must start with 'refs/' and have at least two slashes.")
    if name in repo.refs:
        raise validation_failed("Reference already exists", docs=f"{GIT_DOCS}/refs#create-a-reference")
    if not isinstance(sha, str) or repo.store.kind(sha) is None:
        raise validation_failed("Object does not exist", docs=f"{GIT_DOCS}/refs#create-a-reference")
    repo.refs[name] = sha
    repo.pushed_at = stamp()
    return Reply(201, shapes_git.ref(req.api, repo, name))


def update_ref(req: Request) -> Reply:
    repo, body = req.repo(), req.json()
    req.need("contents")
    name, sha = "refs/" + req.params["ref"], body.get("sha")
    docs = f"{GIT_DOCS}/refs#update-a-reference"
    if name not in repo.refs:
        raise validation_failed("Reference does not exist", docs=docs)
    if not isinstance(sha, str) or sha not in repo.store.commits:
        raise validation_failed("Object does not exist", docs=docs)
    if not body.get("force") and not repo.store.is_ancestor(repo.refs[name], sha):
        raise validation_failed("Update is not a fast forward", docs=docs)
    repo.refs[name] = sha
    repo.pushed_at = stamp()
    return Reply(200, shapes_git.ref(req.api, repo, name))


def delete_ref(req: Request) -> Reply:
    repo = req.repo()
    req.need("contents")
    name = "refs/" + req.params["ref"]
    if repo.refs.pop(name, None) is None:
        raise validation_failed("Reference does not exist", docs=f"{GIT_DOCS}/refs#delete-a-reference")
    return Reply(204)


def get_contents(req: Request) -> Reply:
    repo, path = req.repo(), req.params.get("path", "").strip("/")
    docs = f"{shapes.DOCS}/repos/contents#get-repository-content"
    ref_name = req.query.get("ref") or repo.default_branch
    sha = resolve_ref(repo, ref_name)
    if sha is None:
        raise Fail(404, shapes.error(f"No commit found for the ref {ref_name}", docs, 404))
    root = repo.store.commits[sha].tree
    entry = repo.store.lookup(root, path) if path else None
    if path and entry is None:
        raise not_found(docs)
    if entry is not None and entry.mode != TREE_MODE:
        if "raw" in req.headers.get("accept", ""):
            return Reply(
                200,
                raw=repo.store.blob_bytes(entry.sha),
                headers={"Content-Type": "application/vnd.github.raw"},
            )
        return Reply(200, shapes_git.content_file(req.api, repo, path, entry.sha, ref_name))
    tree = entry.sha if entry is not None else root
    listing = []
    for e in repo.store.trees[tree]:
        child = f"{path}/{e.name}" if path else e.name
        size = len(repo.store.blob_bytes(e.sha)) if e.kind == "blob" else 0
        listing.append(
            shapes_git.content_entry(
                req.api, repo, child, e.sha, "dir" if e.kind == "tree" else "file", ref_name, size
            )
        )
    return Reply(200, listing)


def compare(req: Request) -> Reply:
    repo = req.repo()
    base_name, sep, head_name = req.params["basehead"].partition("...")
    base, head = resolve_ref(repo, base_name), resolve_ref(repo, head_name)
    if not sep or base is None or head is None:
        raise not_found(f"{shapes.DOCS}/commits/commits#compare-two-commits")
    store = repo.store
    merge_base = store.merge_base(base, head) or base
    ahead, behind = store.only_in(head, base), store.only_in(base, head)
    status = (
        "identical" if base == head else "diverged" if ahead and behind else "ahead" if ahead else "behind"
    )
    url = f"{req.api}/repos/{repo.full_name}/compare/{base_name}...{head_name}"
    html = f"{req.api}/{repo.full_name}/compare/{base_name}...{head_name}"
    return Reply(
        200,
        {
            "url": url,
            "html_url": html,
            "permalink_url": f"{html.split('/compare/')[0]}/compare/{base[:7]}...{head[:7]}",
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "base_commit": shapes_git.commit(req.api, req.hub, repo, base),
            "merge_base_commit": shapes_git.commit(req.api, req.hub, repo, merge_base),
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": len(behind),
            "total_commits": len(ahead),
            "commits": [shapes_git.commit(req.api, req.hub, repo, c) for c in ahead],
            "files": [],
        },
    )


def register(router: Router) -> None:
    r = "/repos/{owner}/{repo}"
    router.add("GET", r, get_repo)
    router.add("POST", f"{r}/git/blobs", create_blob)
    router.add("GET", f"{r}/git/blobs/{{sha}}", get_blob)
    router.add("POST", f"{r}/git/trees", create_tree)
    router.add("GET", f"{r}/git/trees/{{sha}}", get_tree)
    router.add("POST", f"{r}/git/commits", create_commit)
    router.add("GET", f"{r}/git/commits/{{sha}}", get_commit)
    router.add("GET", f"{r}/git/ref/{{ref+}}", get_ref)
    router.add("POST", f"{r}/git/refs", create_ref)
    router.add("PATCH", f"{r}/git/refs/{{ref+}}", update_ref)
    router.add("DELETE", f"{r}/git/refs/{{ref+}}", delete_ref)
    router.add("GET", f"{r}/contents", get_contents)
    router.add("GET", f"{r}/contents/{{path+}}", get_contents)
    router.add("GET", f"{r}/compare/{{basehead+}}", compare)
