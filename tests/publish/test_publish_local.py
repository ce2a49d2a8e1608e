"""LocalGitPublisher against real git repositories."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agent.errors import PublishFailed
from agent.ports import ChangeSet, Publisher
from agent.publish import LocalGitPublisher

COLLECTION = "collections/petstore.postman_collection.json"
ID = ["-c", "user.name=Test Human", "-c", "user.email=human@localhost"]


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, examples_dir: Path) -> Path:
    """A collections repo on main with one human-written test, plus local edits in progress."""
    repo = tmp_path / "collections-repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "collections").mkdir()
    shutil.copy(examples_dir / "collections" / "petstore.postman_collection.json", repo / COLLECTION)
    git(repo, "add", ".")
    git(repo, *ID, "commit", "-q", "-m", "human tests")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def _change_set(key: str = "0123456789abcdef", version: int = 1, hostile: str = "") -> ChangeSet:
    item = {
        "id": "pw-0001",
        "name": f"GET /pets/{{id}} keeps owner{hostile}",
        "request": {"url": f"/v{version}"},
    }
    folder = {"name": "postwright", "item": [item, {"id": "pw-0002", "name": "POST /orders needs sku"}]}
    return ChangeSet(
        key=key,
        title="postwright: 2 tests for 2 API changes",
        collection={"info": {"name": "generated"}, "item": [folder]},
        body=f"## body v{version}{hostile}\n",
        proposals=[],
    )


def _snapshot(repo: Path) -> dict[str, Any]:
    return {
        "head": git(repo, "symbolic-ref", "HEAD"),
        "head_commit": git(repo, "rev-parse", "HEAD"),
        "status": git(repo, "status", "--porcelain=v1", "--untracked-files=all"),
        "staged": git(repo, "diff", "--cached"),
        "worktree": git(repo, "diff"),
        "file": (repo / COLLECTION).read_text(),
        "main": git(repo, "rev-parse", "main"),
    }


def _dirty(repo: Path) -> None:
    """A user mid-work: a staged edit, an unstaged edit and an untracked file."""
    (repo / "notes.txt").write_text("staged\n")
    git(repo, "add", "notes.txt")
    (repo / COLLECTION).write_text((repo / COLLECTION).read_text() + "\n")
    (repo / "scratch.txt").write_text("untracked\n")


def test_publish_creates_branch_with_merged_collection(repo: Path, tmp_path: Path) -> None:
    _dirty(repo)
    before = _snapshot(repo)
    publisher: Publisher = LocalGitPublisher(repo, COLLECTION, out_dir=tmp_path / "out")
    result = publisher.publish(_change_set())
    assert _snapshot(repo) == before  # checkout, index and working tree untouched
    assert result.created and result.branch == "postwright/0123456789ab"
    assert git(repo, "rev-parse", result.branch) == result.commit
    assert git(repo, "rev-parse", f"{result.branch}^") == before["main"]
    on_branch = json.loads(git(repo, "show", f"{result.branch}:{COLLECTION}"))
    assert on_branch["item"][0]["id"] == "human-get-pet"
    assert on_branch["info"]["_postman_id"] == "7d3c1f7e-0000-4000-8000-000000000001"
    assert [i["id"] for i in on_branch["item"][1]["item"]] == ["pw-0001", "pw-0002"]
    changed = git(repo, "diff", "--name-only", "main", result.branch)
    assert changed == COLLECTION
    assert git(repo, "log", "-1", "--format=%an <%ae>", result.branch) == "postwright <postwright@localhost>"
    message = git(repo, "log", "-1", "--format=%B", result.branch)
    assert message.startswith(f"postwright: add or update 2 API tests in {COLLECTION}")
    body = Path(result.pr_body_path or "")
    assert body == tmp_path / "out" / "postwright-0123456789ab.md"
    assert body.read_text() == "## body v1\n"


def test_republish_is_idempotent_and_updates_build_on_the_branch(repo: Path, tmp_path: Path) -> None:
    publisher = LocalGitPublisher(repo, COLLECTION, out_dir=tmp_path / "out")
    first = publisher.publish(_change_set())
    again = publisher.publish(_change_set())
    assert (again.created, again.commit, again.branch) == (False, first.commit, first.branch)
    assert git(repo, "rev-list", "--count", f"main..{first.branch}") == "1"
    updated = publisher.publish(_change_set(version=2))
    assert updated.created and git(repo, "rev-parse", f"{updated.branch}^") == first.commit
    assert Path(updated.pr_body_path or "").read_text() == "## body v2\n"
    assert "/v2" in git(repo, "show", f"{updated.branch}:{COLLECTION}")


def test_base_moved_ahead_rebuilds_on_base(repo: Path, tmp_path: Path) -> None:
    publisher = LocalGitPublisher(repo, COLLECTION, out_dir=tmp_path / "out")
    first = publisher.publish(_change_set())
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("more\n")
    git(repo, "add", "README.md")
    git(repo, *ID, "commit", "-q", "-m", "moved on")
    git(repo, "checkout", "-q", "feature")
    rebuilt = publisher.publish(_change_set())
    assert rebuilt.created and rebuilt.commit != first.commit
    assert git(repo, "rev-parse", f"{rebuilt.branch}^") == git(repo, "rev-parse", "main")


def test_file_absent_on_base_is_created(repo: Path, tmp_path: Path) -> None:
    result = LocalGitPublisher(repo, "new/dir/api.json", out_dir=tmp_path).publish(_change_set())
    assert json.loads(git(repo, "show", f"{result.branch}:new/dir/api.json"))["info"] == {"name": "generated"}


def test_failures_are_one_line_publish_errors(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(PublishFailed, match="base branch 'trunk' not found"):
        LocalGitPublisher(repo, COLLECTION, base_branch="trunk", out_dir=tmp_path).publish(_change_set())
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(PublishFailed, match="not a git repository"):
        LocalGitPublisher(plain, COLLECTION, out_dir=tmp_path).publish(_change_set())
    with pytest.raises(PublishFailed, match="does not exist"):
        LocalGitPublisher(tmp_path / "missing", COLLECTION, out_dir=tmp_path).publish(_change_set())
    publisher = LocalGitPublisher(repo, COLLECTION, out_dir=tmp_path)
    result = publisher.publish(_change_set())
    git(repo, "checkout", "-q", result.branch)
    with pytest.raises(PublishFailed, match="checked out") as info:
        publisher.publish(_change_set(version=3))
    assert "\n" not in str(info.value)
    assert git(repo, "rev-parse", "HEAD") == result.commit


def test_hostile_text_does_not_reach_branch_names_or_escape_out_dir(repo: Path, tmp_path: Path) -> None:
    hostile = " [click](https://evil.example) @admin <img src=x>"
    result = LocalGitPublisher(repo, COLLECTION, out_dir=tmp_path / "out").publish(
        _change_set(key="../../etc/passwd", hostile=hostile)
    )
    assert result.branch == "postwright/etc-passwd"
    assert Path(result.pr_body_path or "").parent == tmp_path / "out"
