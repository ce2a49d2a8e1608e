"""The stand-in's git objects are git's: blob, tree and commit shas agree with real git."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import pytest

from tests.github.conftest import Client
from tests.github.standin.control import GitHubStandIn

REPO = "acme/objects"
WHEN = "2025-03-04T05:06:07+02:00"

# Trees that stress git's rules: nested folders, names sorting around "/" (a.b, a-b, a/),
# the exec bit, an empty file, bytes that are not UTF-8.
TREES: list[dict[str, tuple[str, bytes]]] = [
    {"README.md": ("100644", b"# hello\n")},
    {"a.b": ("100644", b"1"), "a-b": ("100644", b"2"), "a/x.txt": ("100644", b"3"), "a0": ("100644", b"4")},
    {"bin/run.sh": ("100755", b"#!/bin/sh\necho hi\n"), "deep/er/still/file.json": ("100644", b"{}\n")},
    {"empty": ("100644", b""), "bytes.bin": ("100644", bytes(range(256)))},
]


def _git(cwd: Path, *args: str, data: bytes | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return done.stdout.decode().strip()


def _git_tree(tmp: Path, files: dict[str, tuple[str, bytes]]) -> str:
    """The tree sha real git writes for ``files``."""
    _git(tmp, "init", "-q", str(tmp))
    for path, (mode, data) in files.items():
        sha = _git(tmp, "hash-object", "-w", "--stdin", data=data)
        _git(tmp, "update-index", "--add", "--cacheinfo", f"{mode},{sha},{path}")
    return _git(tmp, "write-tree")


@pytest.mark.parametrize(
    "files", TREES, ids=["one-file", "sort-order", "modes-and-depth", "empty-and-binary"]
)
def test_blob_tree_and_commit_shas_match_git(
    github: GitHubStandIn, client: Client, tmp_path: Path, files: dict[str, tuple[str, bytes]]
) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    entries = []
    for path, (mode, data) in files.items():
        blob = api.post(
            f"/repos/{REPO}/git/blobs",
            json={"content": base64.b64encode(data).decode(), "encoding": "base64"},
        )
        assert blob.status_code == 201
        assert blob.json()["sha"] == _git(tmp_path, "hash-object", "--stdin", data=data)
        read = api.get(f"/repos/{REPO}/git/blobs/{blob.json()['sha']}").json()
        assert (base64.b64decode(read["content"]), read["size"], read["encoding"]) == (
            data,
            len(data),
            "base64",
        )
        entries.append({"path": path, "mode": mode, "type": "blob", "sha": blob.json()["sha"]})
    tree = api.post(f"/repos/{REPO}/git/trees", json={"tree": entries})
    assert tree.status_code == 201
    assert tree.json()["sha"] == _git_tree(tmp_path, files)

    person = {"name": "Ada Lovelace", "email": "ada@example.com", "date": WHEN}
    commit = api.post(
        f"/repos/{REPO}/git/commits",
        json={"message": "Add files\n", "tree": tree.json()["sha"], "parents": [], "author": person},
    )
    assert commit.status_code == 201
    env = {"GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.com", "GIT_AUTHOR_DATE": WHEN}
    env |= {
        "GIT_COMMITTER_NAME": "Ada Lovelace",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_COMMITTER_DATE": WHEN,
    }
    expected = _git(tmp_path, "commit-tree", tree.json()["sha"], "-m", "Add files", env=env)
    assert commit.json()["sha"] == expected
    assert commit.json()["committer"] == commit.json()["author"] == {**person, "date": WHEN}


def test_base_tree_and_inline_content_and_deletion(
    github: GitHubStandIn, client: Client, tmp_path: Path
) -> None:
    github.create_repo(REPO, files={"keep.txt": "keep\n", "drop/me.txt": "bye\n"})
    api = client(github.token_for("octocat"))
    head = api.get(f"/repos/{REPO}/git/ref/heads/main").json()["object"]["sha"]
    base_tree = api.get(f"/repos/{REPO}/git/commits/{head}").json()["tree"]["sha"]
    changes = [
        {"path": "new/file.txt", "mode": "100644", "type": "blob", "content": "new\n"},
        {"path": "drop/me.txt", "mode": "100644", "type": "blob", "sha": None},
    ]
    tree = api.post(f"/repos/{REPO}/git/trees", json={"base_tree": base_tree, "tree": changes}).json()
    expected = _git_tree(tmp_path, {"keep.txt": ("100644", b"keep\n"), "new/file.txt": ("100644", b"new\n")})
    assert tree["sha"] == expected
    listed = api.get(f"/repos/{REPO}/git/trees/{tree['sha']}", params={"recursive": "1"}).json()
    assert sorted(e["path"] for e in listed["tree"]) == ["keep.txt", "new", "new/file.txt"]


def test_refs_fast_forward_only_unless_forced(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO)
    api = client(github.token_for("octocat"))
    main = api.get(f"/repos/{REPO}/git/ref/heads/main").json()["object"]["sha"]
    created = api.post(f"/repos/{REPO}/git/refs", json={"ref": "refs/heads/topic", "sha": main})
    assert created.status_code == 201 and created.json()["ref"] == "refs/heads/topic"
    again = api.post(f"/repos/{REPO}/git/refs", json={"ref": "refs/heads/topic", "sha": main})
    assert (again.status_code, again.json()["message"]) == (422, "Reference already exists")

    ahead = github.push(REPO, "topic", {"x.txt": "x"}, by="octocat")
    forward = api.patch(f"/repos/{REPO}/git/refs/heads/topic", json={"sha": ahead})
    assert forward.status_code == 200 and forward.json()["object"]["sha"] == ahead
    sideways = github.push(REPO, "main", {"y.txt": "y"}, by="octocat")  # not a descendant of topic
    refused = api.patch(f"/repos/{REPO}/git/refs/heads/topic", json={"sha": sideways})
    assert refused.status_code == 422
    assert refused.json()["message"] == "Update is not a fast forward"
    assert github.repo(REPO).branch("topic") == ahead
    backwards = api.patch(f"/repos/{REPO}/git/refs/heads/topic", json={"sha": main})
    assert backwards.status_code == 422
    forced = api.patch(f"/repos/{REPO}/git/refs/heads/topic", json={"sha": sideways, "force": True})
    assert forced.status_code == 200 and github.repo(REPO).branch("topic") == sideways
    missing = api.get(f"/repos/{REPO}/git/ref/heads/nope")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"


def test_contents_and_compare(github: GitHubStandIn, client: Client) -> None:
    github.create_repo(REPO, files={"collections/orders.json": '{"a": 1}\n'})
    api = client(github.token_for("octocat"))
    found = api.get(f"/repos/{REPO}/contents/collections/orders.json", params={"ref": "main"})
    assert found.status_code == 200
    assert base64.b64decode(found.json()["content"]) == b'{"a": 1}\n'
    assert found.json()["encoding"] == "base64"
    raw = api.get(
        f"/repos/{REPO}/contents/collections/orders.json",
        headers={"Accept": "application/vnd.github.raw+json"},
    )
    assert raw.content == b'{"a": 1}\n'
    assert api.get(f"/repos/{REPO}/contents/nope.json").status_code == 404
    assert (
        api.get(f"/repos/{REPO}/contents/collections/orders.json", params={"ref": "nope"}).status_code == 404
    )

    github.push(REPO, "topic", {"t1": "1"}, by="octocat")
    github.push(REPO, "topic", {"t2": "2"}, by="octocat")
    github.move_base(REPO, {"b1": "1"})
    cmp = api.get(f"/repos/{REPO}/compare/main...topic").json()
    assert (cmp["status"], cmp["ahead_by"], cmp["behind_by"], cmp["total_commits"]) == ("diverged", 2, 1, 2)
    assert [c["commit"]["message"] for c in cmp["commits"]] == ["A human change\n", "A human change\n"]
    assert cmp["commits"][0]["author"]["login"] == "octocat"
    same = api.get(f"/repos/{REPO}/compare/main...main").json()
    assert (same["status"], same["ahead_by"], same["behind_by"]) == ("identical", 0, 0)
