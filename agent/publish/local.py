"""Publish a change set to a branch of a local git repository, plus a PR description file.

The branch ``postwright/<key[:12]>`` is built with git plumbing (a private index,
``commit-tree``, a compare-and-swap ``update-ref``), so the user's checkout, index and
working tree are never touched. Publishing the same change set twice makes no new commit.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from agent.errors import BoundaryViolation, ConfigError, InputError, PublishFailed, StorageError
from agent.generate.postman import leaves
from agent.models import Finding, PublishResult
from agent.ports import ChangeSet
from agent.publish.git import ZERO_OID, Git
from agent.publish.merge import dump_collection, is_postwright_item, merge_collection

BRANCH_PREFIX = "postwright/"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def branch_name(key: str) -> str:
    """``postwright/<first 12 safe characters of the change-set key>``."""
    safe = _UNSAFE.sub("-", key).strip(".-")[:12]
    if not safe:
        raise PublishFailed("change set key is empty; cannot name a branch")
    return BRANCH_PREFIX + safe


def _collection_path(path: str) -> str:
    """A repo-relative POSIX path that cannot leave the repository."""
    pure = PurePosixPath(path.replace("\\", "/").lstrip("/"))
    parts = [p for p in pure.parts if p not in ("", ".")]
    if not parts or ".." in parts or pure.is_absolute():
        raise ConfigError(f"collection path {path!r} must be a file path inside the repository")
    return "/".join(parts)


class LocalGitPublisher:
    """Commits merged collections on a branch and writes the PR body to ``out_dir``."""

    def __init__(self, repo: Path, collection_path: str, base_branch: str = "main", *, out_dir: Path) -> None:
        self.repo = Path(repo)
        self.collection_path = _collection_path(collection_path)
        self.base_branch = base_branch
        self.out_dir = Path(out_dir)

    def publish(self, change_set: ChangeSet) -> PublishResult:
        """Create or update the change set's branch; never a duplicate commit."""
        git = Git(self.repo)
        self._check_repo(git)
        base = git.resolve(f"refs/heads/{self.base_branch}^{{commit}}")
        if base is None:
            raise PublishFailed(f"base branch {self.base_branch!r} not found in {self.repo}")
        branch = branch_name(change_set.key)
        ref = f"refs/heads/{branch}"
        git.run("check-ref-format", ref, what=f"branch name {branch!r}")

        mode, existing = self._read_collection(git, base)
        flags: list[Finding] = []
        text = dump_collection(merge_collection(existing, change_set.collection, flags))
        ours = [f for f in flags if f.severity == "error"]
        if ours:  # e.g. our script sets a variable a human request uses in its host
            raise BoundaryViolation(
                f"{len(ours)} generated script finding(s) outside the script policy once merged into "
                f"{self.collection_path} (first: {ours[0].code} at {ours[0].location}); nothing published"
            )
        blob = git.run("hash-object", "-w", "--stdin", input=text.encode())
        tree = self._tree_with(git, base, mode, blob)

        # The PR body is written last, once the commit it describes is on the branch: a kill or
        # a full disk in between leaves a branch without a body (the next publish writes it,
        # finding the same tree), never a body describing a commit that does not exist.
        tip = git.resolve(f"{ref}^{{commit}}")
        if tip is not None and git.resolve(f"{tip}^{{tree}}") == tree:
            body = self._write_body(branch, change_set.body)
            return PublishResult(branch=branch, commit=tip, pr_body_path=str(body), created=False)
        if tip is None and git.resolve(f"{base}^{{tree}}") == tree:
            # the base branch already holds exactly these tests: nothing to propose
            body = self._write_body(branch, change_set.body)
            return PublishResult(branch=branch, commit=None, pr_body_path=str(body), created=False)
        if ref in git.checked_out_refs():
            raise PublishFailed(
                f"branch {branch} is checked out in a worktree; switch away before publishing"
            )
        # Build on our earlier commit while it is based on the current base; otherwise start afresh.
        on_base = tip is not None and git.succeeds("merge-base", "--is-ancestor", base, tip)
        parent = tip if tip is not None and on_base else base
        commit = git.commit_tree(tree, [parent], self._message(change_set, len(flags)))
        git.run("update-ref", "-m", "postwright: publish", ref, commit, tip or ZERO_OID)
        body = self._write_body(branch, change_set.body)
        return PublishResult(branch=branch, commit=commit, pr_body_path=str(body), created=True)

    def _check_repo(self, git: Git) -> None:
        """The repo must be a git repository itself, not a folder inside one."""
        if git.run("rev-parse", "--is-bare-repository", check=False) == "true":
            return
        top = git.run("rev-parse", "--show-toplevel", check=False)
        if not top:
            raise PublishFailed(f"{self.repo} is not a git repository")
        if Path(top).resolve() != self.repo.resolve():
            raise PublishFailed(f"{self.repo} is inside the git repository {top}, not its top level")

    def _read_collection(self, git: Git, base: str) -> tuple[str, dict[str, Any] | None]:
        """The collection file's mode and parsed content on the base commit (None if absent)."""
        listing = git.run("ls-tree", base, "--", self.collection_path)
        if not listing:
            return "100644", None
        meta, _ = listing.split("\t", 1)
        mode, kind, oid = meta.split()
        if kind != "blob":
            raise PublishFailed(f"{self.collection_path} on {self.base_branch} is not a file")
        try:
            data = json.loads(git.run("cat-file", "blob", oid))
        except json.JSONDecodeError as exc:
            msg = f"{self.collection_path} on {self.base_branch} is not valid JSON (line {exc.lineno})"
            raise InputError(msg) from None
        if not isinstance(data, dict):
            raise InputError(f"{self.collection_path} on {self.base_branch} is not a Postman collection")
        return mode, data

    def _tree_with(self, git: Git, base: str, mode: str, blob: str) -> str:
        """The base tree with the collection file replaced, built in a private index."""
        with tempfile.TemporaryDirectory(prefix="postwright-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            git.run("read-tree", base, env=env)
            git.run("update-index", "--add", "--cacheinfo", f"{mode},{blob},{self.collection_path}", env=env)
            return git.run("write-tree", env=env)

    def _write_body(self, branch: str, body: str) -> Path:
        """Write the PR description atomically to ``out_dir/<branch-sanitised>.md``."""
        path = self.out_dir / f"{_UNSAFE.sub('-', branch.replace('/', '-'))}.md"
        tmp: str | None = None
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.out_dir, prefix=".pr-", suffix=".md")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body if body.endswith("\n") else body + "\n")
            os.replace(tmp, path)
        except OSError as exc:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise StorageError(
                f"cannot write the PR description {path}: {exc.strerror or exc}; "
                f"the branch {branch} is committed, and publishing again writes it",
                hint="free space or make the folder writable",
            ) from None
        return path

    def _message(self, change_set: ChangeSet, human_flags: int = 0) -> str:
        """An honest commit message: what changed, where, and that a person must review it."""
        items = [i for _, i in leaves(change_set.collection.get("item", [])) if is_postwright_item(i)]
        lines = [
            f"postwright: add or update {len(items)} API tests in {self.collection_path}",
            "",
            " ".join(change_set.title.split()),
            "",
            f"Change set: {change_set.key}",
            "Generated by postwright and checked against the API spec; human-written",
            "items are unchanged. Review before merging.",
            "",
        ]
        if human_flags:
            lines[-1:-1] = [
                f"{human_flags} finding(s): human-written scripts outside the script policy,",
                "kept as written (postwright validate lists them).",
            ]
        # ids only: item names can carry words from the spec or a model; the PR body is where
        # they are shown, escaped
        lines += [f"- {i['id']}" for i in items]
        return "\n".join(lines) + "\n"
