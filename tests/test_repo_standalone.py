"""The repository stands alone: no path of this machine in it, no sys.path edits, and the tests
that read ../shared/corpora skip, saying why, when it is not beside the checkout."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Where files of this machine live; written in pieces so this file does not name them itself.
_MACHINE_DIRS = ["work", "home", "root", "Users", "tmp"]
# Hostile test data that must name an absolute path (what an attacker would point at).
_HOSTILE = {("tests/runner/test_runner_isolation.py", "/" + "tmp/evil.js")}


def _tracked() -> list[Path]:
    """Every file git tracks (the checkout's own files when git is absent)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        skip = {".venv", "node_modules", ".git", "__pycache__", ".postwright"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.parts)]
    return [ROOT / name for name in out.decode().split("\0") if name]


def _absolute_path_pattern() -> re.Pattern[str]:
    """Paths under ``_MACHINE_DIRS``, this checkout and HOME, unless ``..`` or ``~`` precede them."""
    roots = [re.escape("/" + d + "/") for d in _MACHINE_DIRS]
    roots += [re.escape(str(p) + "/") for p in (ROOT, Path.home()) if len(p.parts) > 1]
    return re.compile(r"(?<![\w.~-])(?:" + "|".join(roots) + r")[^\s'\"`)]*")


def test_no_absolute_path_of_this_machine_in_the_repository() -> None:
    pattern = _absolute_path_pattern()
    found = []
    for path in _tracked():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary or gone (a rename not yet committed)
        rel = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(text.splitlines(), 1):
            for match in pattern.finditer(line):
                if (rel, match.group()) not in _HOSTILE:
                    found.append(f"{rel}:{number}: {match.group()}")
    assert not found, "\n".join(found)


def _python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py") if "node_modules" not in p.parts]


def test_no_module_edits_sys_path() -> None:
    edit = re.compile(r"\bsys\.path\.(?:insert|append|extend)\b|\bsys\.path\s*(?:\+=|=)")
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in _python_files("tests", "evals")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if edit.search(line)
    ]
    assert not found, f"import shared helpers as packages (tests.*, evals.*) instead: {found}"


def _corpus_tests() -> list[str]:
    """Node ids of the tests marked ``needs_corpora`` (directly or through a module-level alias)."""
    ids = []
    for path in _python_files("tests"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign) and "needs_corpora" in ast.unparse(node.value)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                marks = {ast.unparse(d) for d in node.decorator_list}
                if any("needs_corpora" in m or m in aliases for m in marks):
                    ids.append(f"{path.relative_to(ROOT).as_posix()}::{node.name}")
    return ids


def test_every_reader_of_the_corpora_goes_through_needs_corpora() -> None:
    readers = [
        p.relative_to(ROOT).as_posix()
        for p in _python_files("tests")
        if "corpora" in p.read_text(encoding="utf-8") and p.name.startswith("test_")
    ]
    marked = {node.split("::")[0] for node in _corpus_tests()}
    assert readers and set(readers) - {"tests/test_repo_standalone.py"} == marked


@pytest.mark.slow
def test_corpus_tests_skip_with_a_reason_when_the_corpora_are_absent(tmp_path: Path) -> None:
    nodes = _corpus_tests()
    assert len(nodes) >= 7
    env = {**os.environ, "POSTWRIGHT_CORPORA": str(tmp_path / "absent")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *nodes],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" not in done.stdout.splitlines()[-1], done.stdout[-2000:]
    skips = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips and all("../shared/corpora is not beside this checkout" in line for line in skips), skips
