"""`postwright run` with ``[publish] host = "github"`` against the GitHub stand-in, night after night.

- A token from the environment: night 0 is rate limited past ``max_wait`` (one line, nothing
  opened, the proposals stay pending); night 1 opens one pull request with them; night 2 adds new
  tests to it; a night with nothing new writes nothing; a person pushes to the branch and night 3
  leaves it alone with one comment saying so.
- A GitHub App: a reviewer closes the pull request unmerged; night 2 records its tests rejected
  and opens nothing; night 3 opens a new pull request holding only the new tests.
Neither the token nor the app's private key appears in a request body or path, console line,
file or the state database.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.publish.request_body import HANDS_OFF_MARKER, read_marker
from tests.github.standin.control import GitHubStandIn
from tests.publish.run_cli import postwright_run

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "agent" / "examples" / "demo"
REPO = "acme/api-tests"
COLLECTION = "collections/petstore.postman_collection.json"
BRANCH = "postwright/petstore"
WRITES = ("POST", "PATCH", "PUT", "DELETE")


def workspace(root: Path, github: GitHubStandIn, identity: str) -> Path:
    root.mkdir(parents=True)
    shutil.copytree(DEMO / "specs", root / "specs")
    (root / "postwright.toml").write_text(
        'spec = "specs/petstore-v2.yaml"\nbase = "specs/petstore-v1.yaml"\n'
        "[sandbox]\nenabled = false\n"
        f'[publish]\nhost = "github"\nrepo = "{REPO}"\napi_url = "{github.url}"\n'
        f'collection = "{COLLECTION}"\nlabels = ["api-tests"]\nmax_wait = 5\n{identity}'
    )
    return root


def new_operation(root: Path, name: str) -> None:
    """The API grows an operation overnight: the next run has new tests to propose."""
    path = root / "specs" / "petstore-v2.yaml"
    spec = yaml.safe_load(path.read_text())
    added = json.loads(json.dumps(spec["paths"]["/pets/{petId}/vaccinations"]))
    added["get"]["operationId"] = f"list{name.title()}"
    spec["paths"][f"/pets/{{petId}}/{name}"] = added
    path.write_text(yaml.safe_dump(spec, sort_keys=False))


def night(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return postwright_run(root, env, drop=("GITHUB_", "PW_TEST_"))


def rows(root: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(root / ".pw" / "state.db") as db:
        return list(db.execute(query))


def statuses(root: Path) -> dict[str, str]:
    return dict(rows(root, "SELECT id, status FROM proposals"))


def writes(github: GitHubStandIn) -> list[str]:
    return [f"{r.method} {r.path}" for r in github.requests if r.method in WRITES]


def ours_on(github: GitHubStandIn, ref: str) -> set[str]:
    data = json.loads(github.file(REPO, ref, COLLECTION) or b"{}")

    def walk(items: list[Any]) -> list[str]:
        return [i for x in items for i in (walk(x["item"]) if "item" in x else [x.get("id", "")])]

    return {i for i in walk(data.get("item", [])) if i.startswith("pw-") and not i.startswith("pw-setup-")}


def leaks(root: Path, github: GitHubStandIn, secrets: list[str], consoles: list[str]) -> list[str]:
    """Where any secret shows up: requests other than in Authorization, console, files, the store."""
    found = [f"request {r.method} {r.path}" for s in secrets for r in github.requests_containing(s)]
    found += [f"console {n}" for n, c in enumerate(consoles) for s in secrets if s in c]
    for path in (p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += [f"file {path.relative_to(root)}" for s in secrets if s.encode() in data]
    return found


@pytest.mark.slow
def test_nights_with_a_token_one_pull_request_kept_up_to_date_until_a_person_pushes(
    github: GitHubStandIn, tmp_path: Path
) -> None:
    existing = (DEMO / "collections" / "petstore.postman_collection.json").read_bytes()
    github.create_repo(REPO, files={COLLECTION: existing, "README.md": "# tests\n"})
    token = github.token_for("pw-bot")
    env = {"PW_TEST_GH_TOKEN": token}
    root = workspace(tmp_path / "ws", github, 'token_env = "PW_TEST_GH_TOKEN"\n')

    github.exhaust("*", r"/pulls$", reset_in=3600)  # night 0: the quota is gone for an hour
    down = night(root, env)
    errors = [line for line in down.stderr.splitlines() if line.startswith("postwright: ")]
    assert down.returncode != 0 and "Traceback" not in down.stderr
    assert errors and "rate limited" in errors[-1] and "max_wait = 5" in errors[-1]
    assert github.pulls(REPO) == [] and writes(github) == []
    pending = {i for i, s in statuses(root).items() if s == "pending"}
    assert pending

    first = night(root, env)  # night 1: what was pending goes out
    assert first.returncode == 0, first.stderr
    (pull,) = github.pulls(REPO)
    assert (pull.head_ref, list(pull.labels)) == (BRANCH, ["api-tests"])
    in_pr = read_marker(pull.body or "").ids
    assert in_pr == ours_on(github, BRANCH) and pending & set(statuses(root)) <= in_pr
    assert all(statuses(root)[i] == "published" for i in in_pr)
    assert "review http" in first.stdout and f"/pull/{pull.number}" in first.stdout
    assert "PR body None" not in first.stdout

    new_operation(root, "owners")
    second = night(root, env)  # night 2: new tests join the same pull request
    assert second.returncode == 0, second.stderr
    (pull,) = github.pulls(REPO)
    grown = read_marker(pull.body or "").ids
    assert in_pr < grown == ours_on(github, BRANCH)

    before = writes(github)
    again = night(root, env)  # nothing new: nothing written
    assert again.returncode == 0, again.stderr
    assert writes(github) == before

    tip = github.push(REPO, BRANCH, {"NOTES.md": "I am fixing a test by hand\n"}, by="alice")
    new_operation(root, "toys")
    third = night(root, env)  # night 3: a person's branch is left alone
    assert third.returncode == 0, third.stderr
    assert "stopped" in third.stdout + third.stderr
    assert github.repo(REPO).branch(BRANCH) == tip and len(github.pulls(REPO)) == 1
    assert len([c for c in github.comments(REPO, pull.number) if HANDS_OFF_MARKER in c.body]) == 1

    consoles = [p.stdout + p.stderr for p in (down, first, second, again, third)]
    assert leaks(root, github, [token], consoles) == []
    assert (
        rows(root, "SELECT count(*) FROM identity_audit WHERE source = 'env' AND outcome = 'issued'")[0][0]
        >= 4
    )


@pytest.mark.slow
def test_nights_as_a_github_app_closed_tests_never_come_back(github: GitHubStandIn, tmp_path: Path) -> None:
    existing = (DEMO / "collections" / "petstore.postman_collection.json").read_bytes()
    github.create_repo(REPO, files={COLLECTION: existing})
    app = github.register_app("postwright-nightly", owner="acme")
    github.install(app, "acme")
    key = app.private_key_pem.decode()
    env = {"PW_TEST_APP_KEY": key}
    identity = f'token_source = "github-app"\napp_id = "{app.id}"\napp_private_key_env = "PW_TEST_APP_KEY"\n'
    root = workspace(tmp_path / "ws", github, identity)

    first = night(root, env)
    assert first.returncode == 0, first.stderr
    (pull,) = github.pulls(REPO)
    assert pull.user.login == "postwright-nightly[bot]"
    closed = read_marker(pull.body or "").ids
    github.close_pull(REPO, pull.number)

    second = night(root, env)  # the same tests again: recorded rejected, nothing opened
    assert second.returncode == 0, second.stderr
    assert len(github.pulls(REPO)) == 1 and all(statuses(root)[i] == "rejected" for i in closed)
    decided = rows(root, "SELECT DISTINCT actor, reason FROM decisions WHERE status = 'rejected'")
    assert decided == [("reviewers", f"pull request #{pull.number} closed without merging")]

    new_operation(root, "owners")
    third = night(root, env)  # only the new tests, in a new pull request
    assert third.returncode == 0, third.stderr
    assert [p.state for p in github.pulls(REPO)] == ["closed", "open"]
    fresh = read_marker(github.pulls(REPO)[1].body or "").ids
    assert fresh and not fresh & closed and not ours_on(github, BRANCH) & closed

    tokens = [v for v, t in github.hub.tokens.items() if t.user.login.endswith("[bot]")]
    key_lines = [line for line in key.splitlines() if "PRIVATE KEY" not in line]
    consoles = [p.stdout + p.stderr for p in (first, second, third)]
    assert tokens and leaks(root, github, [*tokens, *key_lines], consoles) == []
    audited = rows(root, "SELECT DISTINCT source, target, outcome FROM identity_audit")
    assert ("github-app", f"github:{REPO}", "issued") in audited
