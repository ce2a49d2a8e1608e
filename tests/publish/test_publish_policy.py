"""Publishing runs the script policy on the merged collection: human scripts flagged, ours refused."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agent.errors import BoundaryViolation
from agent.ports import ChangeSet
from agent.publish import LocalGitPublisher

COLLECTION = "c.postman_collection.json"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _item(item_id: str, script: str, url: str = "{{baseUrl}}/pets") -> dict[str, Any]:
    return {
        "id": item_id,
        "name": item_id,
        "request": {"method": "GET", "url": url},
        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": [script]}}],
    }


def _repo(tmp_path: Path, *human: dict[str, Any]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / COLLECTION).write_text(json.dumps({"info": {"name": "c"}, "item": list(human)}))
    git(repo, "add", ".")
    git(repo, "-c", "user.name=H", "-c", "user.email=h@localhost", "commit", "-q", "-m", "human tests")
    return repo


def _change_set(*items: dict[str, Any]) -> ChangeSet:
    return ChangeSet(
        key="0123456789abcdef", title="t", collection={"item": list(items)}, body="b\n", proposals=[]
    )


def test_human_scripts_outside_the_policy_are_kept_and_named_in_the_commit(tmp_path: Path) -> None:
    hostile = "pm.sendRequest('http:/' + '/127.0.0.2/x');"
    repo = _repo(tmp_path, _item("human-a", hostile))
    ours = _item("pw-a", "pm.test('ok', () => pm.response.to.have.status(200));")
    result = LocalGitPublisher(repo, COLLECTION, out_dir=tmp_path / "out").publish(_change_set(ours))
    merged = json.loads(git(repo, "show", f"{result.branch}:{COLLECTION}"))
    assert merged["item"][0]["event"][0]["script"]["exec"] == [hostile]  # kept as written
    message = git(repo, "log", "-1", "--format=%B", result.branch)
    assert "1 finding(s): human-written scripts outside the script policy" in message


def test_our_script_outside_the_policy_once_merged_is_not_published(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path, _item("human-b", "pm.test('x', () => {});", url="https://{{region}}.api.example/p")
    )
    ours = _item("pw-b", "pm.collectionVariables.set('region', pm.response.json().region);")
    with pytest.raises(BoundaryViolation, match="script-protected-variable"):
        LocalGitPublisher(repo, COLLECTION, out_dir=tmp_path / "out").publish(_change_set(ours))
    assert git(repo, "branch", "--list", "postwright/*") == ""
