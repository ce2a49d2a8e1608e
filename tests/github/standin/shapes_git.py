"""JSON bodies of git objects in api.github.com's shapes (git data, commits, contents)."""

from __future__ import annotations

import base64
from typing import Any

from tests.github.standin.gitstore import TREE_MODE, Signature
from tests.github.standin.hub import Hub, Repo
from tests.github.standin.shapes import node_id, user


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
