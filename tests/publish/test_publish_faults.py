"""Publishing interrupted or refused for real: a SIGKILL at each git step, a read-only or full repo.

The PR body describes a commit, so it is written only once that commit is on the branch;
a repository that cannot be written is a one-line StorageError (exit 2) naming it, and
nothing already there changes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.errors import EXIT_USAGE, PublishFailed, StorageError
from agent.ports import ChangeSet
from agent.publish import LocalGitPublisher
from agent.publish.git import Git

COLLECTION = "collections/petstore.postman_collection.json"
ID = ["-c", "user.name=Test Human", "-c", "user.email=human@localhost"]
BRANCH = "postwright/0123456789ab"
BODY = "postwright-0123456789ab.md"


def git(repo: Path, *args: str, check: bool = True) -> str:
    out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=check)
    return out.stdout.strip()


def make_repo(repo: Path, examples_dir: Path) -> Path:
    (repo / "collections").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    shutil.copy(examples_dir / "collections" / "petstore.postman_collection.json", repo / COLLECTION)
    git(repo, "add", ".")
    git(repo, *ID, "commit", "-q", "-m", "human tests")
    return repo


def change_set(version: int = 1) -> ChangeSet:
    item = {"id": "pw-0001", "name": "GET /pets keeps owner", "request": {"url": f"/v{version}"}}
    return ChangeSet(
        key="0123456789abcdef",
        title="postwright: 1 test",
        collection={"info": {"name": "generated"}, "item": [{"name": "postwright", "item": [item]}]},
        body=f"## body v{version}\n",
        proposals=[],
    )


def refs(repo: Path) -> str:
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)")


def fill(disk: Path) -> None:
    """Write until the file system reports ENOSPC."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (1 << 16, 512):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
    finally:
        os.close(fd)


# -- ordering: the PR body only after its commit ------------------------------------------


def test_a_failing_commit_step_leaves_no_pr_body(
    tmp_path: Path, examples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo", examples_dir)
    out = tmp_path / "out"

    def broken(*_: object, **__: object) -> str:
        raise PublishFailed("git commit-tree failed: injected")

    with monkeypatch.context() as patch:
        patch.setattr(Git, "commit_tree", broken)
        with pytest.raises(PublishFailed):
            LocalGitPublisher(repo, COLLECTION, out_dir=out).publish(change_set())
    assert not (out / BODY).exists()
    assert git(repo, "rev-parse", "--verify", "--quiet", BRANCH, check=False) == ""
    result = LocalGitPublisher(repo, COLLECTION, out_dir=out).publish(change_set())
    assert result.created and (out / BODY).read_text() == "## body v1\n"


_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from agent.ports import ChangeSet
    from agent.publish import LocalGitPublisher
    item = {"id": "pw-0001", "name": "GET /pets keeps owner", "request": {"url": "/v1"}}
    LocalGitPublisher(Path(sys.argv[1]), sys.argv[2], out_dir=Path(sys.argv[3])).publish(ChangeSet(
        key="0123456789abcdef", title="t", body="## body v1\\n", proposals=[],
        collection={"info": {"name": "g"}, "item": [{"name": "postwright", "item": [item]}]},
    ))
    """
)


def _killing_git(where: Path, step: str, when: str) -> dict[str, str]:
    """A ``git`` first on PATH that SIGKILLs its caller at ``step`` (before or after running it)."""
    real = shutil.which("git")
    assert real is not None
    where.mkdir()
    script = where / "git"
    after = f'"{real}" "$@"; ' if when == "after" else ""
    script.write_text(
        f'#!/bin/sh\ncase " $* " in *" {step} "*) {after}kill -9 "$PPID"; exit 1;; esac\nexec "{real}" "$@"\n'
    )
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{where}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize(
    ("step", "when"),
    [("hash-object", "after"), ("commit-tree", "before"), ("commit-tree", "after"), ("update-ref", "before")],
)
def test_sigkill_before_the_branch_moves_leaves_no_pr_body(
    tmp_path: Path, examples_dir: Path, step: str, when: str
) -> None:
    repo = make_repo(tmp_path / "repo", examples_dir)
    out = tmp_path / "out"
    env = _killing_git(tmp_path / "bin", step, when)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(repo), COLLECTION, str(out)], env=env, capture_output=True
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert git(repo, "rev-parse", "--verify", "--quiet", BRANCH, check=False) == ""
    assert not (out / BODY).exists(), "a PR body describes a commit that is on no branch"
    # the next publish completes the job
    result = LocalGitPublisher(repo, COLLECTION, out_dir=out).publish(change_set())
    assert result.created and git(repo, "rev-parse", BRANCH) == result.commit
    assert (out / BODY).read_text() == "## body v1\n"


def test_sigkill_after_the_branch_moved_is_completed_by_the_next_publish(
    tmp_path: Path, examples_dir: Path
) -> None:
    repo = make_repo(tmp_path / "repo", examples_dir)
    out = tmp_path / "out"
    env = _killing_git(tmp_path / "bin", "update-ref", "after")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(repo), COLLECTION, str(out)], env=env, capture_output=True
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    commit = git(repo, "rev-parse", BRANCH)
    assert not (out / BODY).exists()
    result = LocalGitPublisher(repo, COLLECTION, out_dir=out).publish(change_set())
    assert (result.commit, result.created) == (commit, False)
    assert (out / BODY).read_text() == "## body v1\n"


# -- a repository that cannot be written -------------------------------------------------


def _refused(repo: Path, out: Path) -> StorageError:
    with pytest.raises(StorageError) as info:
        LocalGitPublisher(repo, COLLECTION, out_dir=out).publish(change_set(version=2))
    error = info.value
    assert error.exit_code == EXIT_USAGE
    assert str(repo) in str(error) and "\n" not in str(error)
    assert "full or read-only" in str(error)
    return error


def test_read_only_repository_is_a_one_line_storage_error(
    tmp_path: Path, examples_dir: Path, read_only: Callable[[Path], None]
) -> None:
    repo = make_repo(tmp_path / "repo", examples_dir)
    out = tmp_path / "out"
    first = LocalGitPublisher(repo, COLLECTION, out_dir=out).publish(change_set())
    before = refs(repo)
    read_only(repo)
    _refused(repo, out)
    assert refs(repo) == before
    assert git(repo, "rev-parse", BRANCH) == first.commit
    assert (out / BODY).read_text() == "## body v1\n"  # the earlier body still matches its commit


def test_read_only_refs_fail_after_objects_are_written(
    tmp_path: Path, examples_dir: Path, read_only: Callable[[Path], None]
) -> None:
    repo = make_repo(tmp_path / "repo", examples_dir)
    out = tmp_path / "out"
    before = refs(repo)
    read_only(repo / ".git" / "refs")
    _refused(repo, out)
    assert refs(repo) == before
    assert not (out / BODY).exists()


def test_full_repository_is_a_one_line_storage_error(
    tmp_path: Path, examples_dir: Path, small_disk: Callable[[int], Path]
) -> None:
    repo = make_repo(small_disk(1024) / "repo", examples_dir)
    out = tmp_path / "out"
    first = LocalGitPublisher(repo, COLLECTION, out_dir=out).publish(change_set())
    before = refs(repo)
    fill(repo.parent)
    _refused(repo, out)
    assert refs(repo) == before
    assert git(repo, "rev-parse", BRANCH) == first.commit
    assert (out / BODY).read_text() == "## body v1\n"
    git(repo, "fsck", "--no-progress")  # what was stored is intact


def test_full_pr_body_folder_is_a_storage_error_after_the_commit(
    tmp_path: Path, examples_dir: Path, small_disk: Callable[[int], Path]
) -> None:
    repo = make_repo(tmp_path / "repo", examples_dir)
    disk = small_disk(64)
    fill(disk)
    with pytest.raises(StorageError, match="PR description") as info:
        LocalGitPublisher(repo, COLLECTION, out_dir=disk / "out").publish(change_set())
    assert info.value.exit_code == EXIT_USAGE and "\n" not in str(info.value)
    commit = git(repo, "rev-parse", BRANCH)  # the commit came first
    (disk / "filler").unlink()
    again = LocalGitPublisher(repo, COLLECTION, out_dir=disk / "out").publish(change_set())
    assert (again.commit, again.created) == (commit, False)
    assert (disk / "out" / BODY).is_file()


def test_disk_filling_up_before_the_ref_moves_is_a_storage_error(
    tmp_path: Path, examples_dir: Path, small_disk: Callable[[int], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Objects written, then the disk fills: git's ref update says only "couldn't write"."""
    disk = small_disk(1024)
    repo = make_repo(disk / "repo", examples_dir)
    out = tmp_path / "out"
    real = shutil.which("git")
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" update-ref "*) dd if=/dev/zero of="{disk}/filler" bs=4k 2>/dev/null;; esac\n'
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    before = refs(repo)
    error = _refused(repo, out)
    assert "update-ref" in str(error)
    assert refs(repo) == before and not (out / BODY).exists()
