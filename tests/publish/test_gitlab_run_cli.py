"""`postwright run` with ``[publish] host = "gitlab"`` against the stand-in, over four nights.

Night 0 finds GitLab down (one line, exit non-zero, nothing opened); night 1 opens one merge
request with the proposals kept pending; each run's use of the token is in the identity audit;
night 2 (nothing new) writes nothing; a reviewer closes the MR and night 3 records its tests
rejected and proposes none of them again. The project access token (a canary made at run time)
appears in no request body or path, console line, file or state database.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitlab import people
from tests.gitlab.server import StandIn, serve
from tests.publish.run_cli import postwright_run

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "agent" / "examples" / "demo"
COLLECTION = "collections/petstore.postman_collection.json"
WRITES = ("POST", "PUT", "DELETE")


@pytest.fixture(scope="module")
def gitlab() -> Iterator[StandIn]:
    with serve() as server:
        yield server


def project(root: Path, gitlab: StandIn, s: people.Setup) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(DEMO / "specs", root / "specs")
    (root / "postwright.toml").write_text(
        'spec = "specs/petstore-v2.yaml"\nbase = "specs/petstore-v1.yaml"\n'
        "[sandbox]\nenabled = false\n"
        f'[publish]\nhost = "gitlab"\nrepo = "{s.project.path_with_namespace}"\n'
        f'api_url = "{gitlab.api_url}"\ncollection = "{COLLECTION}"\nlabels = ["api-tests"]\n'
        'token_env = "PW_GITLAB_TOKEN"\n'
    )
    return root


def run(root: Path, token: str) -> subprocess.CompletedProcess[str]:
    return postwright_run(root, {"PW_GITLAB_TOKEN": token}, drop=("GITLAB_TOKEN",))


def written(gitlab: StandIn) -> list[str]:
    return [f"{r.method} {r.route}" for r in gitlab.log if r.method in WRITES]


@pytest.mark.slow
def test_three_nights_one_mr_nothing_new_then_rejected_and_no_token_anywhere(
    gitlab: StandIn, tmp_path: Path
) -> None:
    existing = (DEMO / "collections" / "petstore.postman_collection.json").read_bytes()
    s = people.project(gitlab, files={COLLECTION: existing, "README.md": b"tests\n"})
    root = project(tmp_path / "work", gitlab, s)

    gitlab.fail("POST", "/repository/commits$", 503, times=100, body={"message": "503 Service Unavailable"})
    down = run(root, s.bot_token)
    gitlab.clear()
    assert down.returncode != 0 and "Traceback" not in down.stderr
    assert "503" in down.stderr and not s.project.mrs

    first = run(root, s.bot_token)  # the proposals kept pending go out now
    assert first.returncode == 0, first.stderr
    (mr,) = s.project.mrs.values()
    assert mr.state == "opened" and mr.source_branch == "postwright/petstore" and mr.labels == ["api-tests"]

    before = len(written(gitlab))
    second = run(root, s.bot_token)
    assert second.returncode == 0, second.stderr
    assert written(gitlab)[before:] == [] and len(s.project.mrs) == 1

    people.close(gitlab, s.project, mr.iid)
    third = run(root, s.bot_token)
    assert third.returncode == 0, third.stderr
    assert [m.state for m in s.project.mrs.values()] == ["closed"]  # its tests are not proposed again
    with sqlite3.connect(root / ".pw" / "state.db") as db:
        statuses = {row[0] for row in db.execute("SELECT status FROM proposals")}
        audit = list(db.execute("SELECT target, source, audience, outcome, fingerprint FROM identity_audit"))
    assert "rejected" in statuses
    target = f"gitlab:{s.project.path_with_namespace}"
    assert audit and {a[:4] for a in audit} == {
        (target, "env", json.dumps([gitlab.api_url]), "issued")
    }  # one per run
    assert len(audit) == 4 and len({a[4] for a in audit}) == 1  # the same token, by its fingerprint

    token = s.bot_token
    sent = [r for r in gitlab.log if r.route.startswith("/projects/") or r.route == "/user"]
    assert sent and all(token not in r.path + r.body.decode(errors="replace") for r in sent)
    consoles = [p.stdout + p.stderr for p in (down, first, second, third)]
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files and not [p for p in files if token.encode() in p.read_bytes()]
    assert not [c for c in consoles if token in c]
