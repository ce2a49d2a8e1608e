"""A thin runner for the ``git`` command line, used with plumbing only.

Plumbing (hash-object, a private index, write-tree, commit-tree, update-ref) builds
commits without touching the user's checkout, index or working tree.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from agent.errors import PublishFailed, StorageError

ZERO_OID = "0" * 40
DEFAULT_NAME = "postwright"
DEFAULT_EMAIL = "postwright@localhost"
# Variables a surrounding git (a hook, a worktree) may have set; they would redirect us.
_GIT_LOCATION_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX")
# What git prints when the repository cannot be written: the OS's reason, or (a full disk
# while writing a ref) only "couldn't write". The reason is often not on the last line. A lock
# that "exists" is another git at work, not a full or read-only repository.
_CANNOT_WRITE = re.compile(
    r"No space left|Read-only file system|Permission denied|insufficient permission|Disk quota"
    r"|File too large|couldn't write|unable to write|unable to create(?!.*File exists)",
    re.IGNORECASE,
)


class Git:
    """Runs git in one repository and turns failures into one-line PublishFailed errors."""

    def __init__(self, repo: Path) -> None:
        exe = shutil.which("git")
        if exe is None:
            raise PublishFailed("git is not installed or not on PATH")
        self.exe = exe
        self.repo = Path(repo)
        if not self.repo.is_dir():
            raise PublishFailed(f"target repository {self.repo} does not exist")
        self._identity: list[str] | None = None

    def _env(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARS}
        env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
        env.update(extra or {})
        return env

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        what: str | None = None,
    ) -> str:
        """Run ``git args`` in the repo; returns stdout (stripped) or raises PublishFailed."""
        proc = subprocess.run(
            [self.exe, "-C", str(self.repo), *args],
            input=input,
            capture_output=True,
            env=self._env(env),
            check=False,
        )
        if check and proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            step = what or "git " + args[0]
            full = next((line for line in lines if _CANNOT_WRITE.search(line)), None)
            if full is not None:
                reason = re.sub(r"^(fatal|error): ", "", full.strip())
                raise StorageError(
                    f"the git repository {self.repo} is full or read-only ({step}: {reason}); "
                    "nothing was published and nothing stored is lost",
                    hint="free space or make it writable, then run again",
                )
            detail = lines[-1] if lines else f"exit {proc.returncode}"
            raise PublishFailed(f"{step} failed: {detail}")
        return proc.stdout.decode(errors="replace").strip()

    def succeeds(self, *args: str) -> bool:
        """Whether ``git args`` exits 0 (for probes such as ``merge-base --is-ancestor``)."""
        proc = subprocess.run(
            [self.exe, "-C", str(self.repo), *args], capture_output=True, env=self._env(None), check=False
        )
        return proc.returncode == 0

    def resolve(self, rev: str) -> str | None:
        """The object id ``rev`` names, or None."""
        out = self.run("rev-parse", "--verify", "--quiet", rev, check=False)
        return out or None

    def identity(self) -> list[str]:
        """``-c`` options supplying a committer identity only where the repo has none."""
        if self._identity is None:
            opts: list[str] = []
            if not self.run("config", "user.name", check=False):
                opts += ["-c", f"user.name={DEFAULT_NAME}"]
            if not self.run("config", "user.email", check=False):
                opts += ["-c", f"user.email={DEFAULT_EMAIL}"]
            self._identity = opts
        return self._identity

    def checked_out_refs(self) -> set[str]:
        """Branches checked out in any worktree of the repo (those must not move under a user)."""
        out = self.run("worktree", "list", "--porcelain", check=False)
        return {line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("branch ")}

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str:
        """Create a commit object; returns its id."""
        parent_args = [a for p in parents for a in ("-p", p)]
        return self.run(
            *self.identity(),
            "commit-tree",
            tree,
            *parent_args,
            input=message.encode(),
            what="git commit-tree",
        )
