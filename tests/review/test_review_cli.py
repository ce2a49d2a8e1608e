"""`postwright review` without a terminal: --list [--json], --accept, --reject --reason,
--accept-all-valid, the filters and --as; and the pipeline rule that a rejected test is never
proposed again (one notice with the count), nor published."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.review.kit import COLLECTION, cli, listed, make_project, real_run

REGRESSIONS = {"pw-088907c4c42c71b5", "pw-31be30a41b57b225", "pw-de00b34cb1b365f1"}
A, B, C = "pw-22d6414e2f39e70a", "pw-2f31a4f6fb7aea5c", "pw-2fc5fc0c9203fa31"


@pytest.fixture(scope="module")
def unverified(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("review-cli") / "project")
    real_run(root, "--no-verify")
    return root


@pytest.fixture
def project(unverified: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(unverified, copy, symlinks=True)
    shutil.copy(unverified.parent / "canaries.json", tmp_path)
    return copy


def test_list_json_reflects_every_decision(project: Path) -> None:
    assert {r["status"] for r in listed(project).values()} == {"pending"}
    cli(project, "review", "--accept", A, B, "--as", "ada")
    cli(project, "review", "--reject", C, "--reason", "  asserts   what the mock invents ", "--as", "bob")
    rows = listed(project)
    assert (rows[A]["status"], rows[A]["decision"]["actor"]) == ("accepted", "ada")
    assert rows[B]["status"] == "accepted"
    assert rows[C]["status"] == "rejected"
    assert rows[C]["decision"]["reason"] == "asserts what the mock invents"  # one line
    assert rows[C]["decision"]["actor"] == "bob"
    assert sum(r["status"] == "pending" for r in rows.values()) == 16
    text = cli(project, "review", "--list").stdout
    assert f"{C}  rejected" in text and "bob: asserts what the mock invents" in text


def test_the_os_user_decides_without_as(project: Path) -> None:
    import getpass

    cli(project, "review", "--accept", A)
    assert listed(project)[A]["decision"]["actor"] == getpass.getuser()


def test_accept_all_valid_and_filters(project: Path) -> None:
    out = cli(project, "review", "--accept-all-valid", "--kind", "regression").stdout
    assert out.startswith("accepted 3 tests")
    rows = listed(project)
    assert {i for i, r in rows.items() if r["status"] == "accepted"} == REGRESSIONS
    only = json.loads(cli(project, "review", "--list", "--json", "--operation", "POST /pets").stdout)
    assert only and {r["operation"] for r in only} == {"POST /pets"}
    run_id = rows[A]["run_id"]
    assert len(json.loads(cli(project, "review", "--list", "--json", "--run", run_id).stdout)) == 19


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--reject", A], "a rejection needs a reason"),
        (["--reject", A, "--reason", "   "], "a rejection needs a reason"),
        (["--accept"], "--accept needs the ids"),
        (["--accept", "pw-nope"], "no test with id 'pw-nope'"),
        (["--accept", A, "--reason", "x"], "--reason goes with --reject"),
        (["--accept", A, "--list"], "give one of"),
        (["--json"], "--json goes with --list"),
        ([A], "test ids are for --accept or --reject"),
        (["--list", "--run", "nope"], "--run: no run with id 'nope'"),
        (["--accept", A, "--as", ""], "--as: give a printable name"),
    ],
)
def test_bad_command_lines_are_one_line_errors(project: Path, args: list[str], says: str) -> None:
    done = cli(project, "review", *args, check=False)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert {r["status"] for r in listed(project).values()} == {"pending"}  # nothing half-decided


def _published_ids(repo: Path) -> set[str]:
    refs = subprocess.run(
        ["git", "-C", str(repo), "for-each-ref", "--format=%(refname:short)", "refs/heads/postwright/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    text = subprocess.run(
        ["git", "-C", str(repo), "show", f"{refs[0]}:{COLLECTION}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {i.get("id") for folder in json.loads(text)["item"] for i in [folder, *folder.get("item", [])]}


@pytest.mark.parametrize("rejected", [[A], [A, B, C]])
def test_a_rejected_test_is_never_proposed_again(project: Path, rejected: list[str]) -> None:
    cli(project, "review", "--reject", *rejected, "--reason", "wrong", "--as", "ada")
    before = listed(project)
    done = cli(project, "run", "--no-verify")  # and publish
    notice = f"{len(rejected)} tests rejected earlier are not proposed again"
    assert done.stderr.count(notice) == 1, done.stderr
    after = listed(project)
    for proposal_id in rejected:
        assert after[proposal_id] == before[proposal_id]  # untouched: same run, same decision
    published = _published_ids(project / "repo")
    assert not published & set(rejected)
    assert {i for i, r in after.items() if r["status"] == "published"} == set(after) - set(rejected)


def test_a_run_without_rejections_says_nothing(project: Path) -> None:
    done = cli(project, "run", "--no-verify", "--no-publish")
    assert "rejected earlier" not in done.stderr


@pytest.mark.parametrize("args", [[], ["--run", "x"], ["--kind", "regression"]])
def test_without_a_terminal_interactive_review_is_refused(project: Path, args: list[str]) -> None:
    done = cli(project, "review", *args, check=False)  # pytest's stdin is no terminal
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    hint = "--list [--json], --accept ID..., --reject ID... --reason TEXT or --accept-all-valid"
    assert hint in done.stderr
