"""`postwright verify COLLECTION --target URL`: the file alone says each item's safety class;
only allowed classes run, a destructive logout only when listed; --shuffle changes no result."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.plan.safety import MARKER
from agent.runner.sandbox import INSTALL_COMMAND, default_sandbox_dir
from tests.runner.notes_api import SPEC, NotesServer, kept_collection

TOKEN_ENV = "PW_NOTES_TOKEN"


@pytest.fixture
def server() -> Iterator[NotesServer]:
    if not (default_sandbox_dir() / "node_modules" / "newman").is_dir():
        pytest.skip(f"the sandbox is not installed ({INSTALL_COMMAND})")
    notes = NotesServer(secrets.token_urlsafe(12))  # made at run time, never a literal
    yield notes
    notes.close()


def verify(
    server: NotesServer, folder: Path, collection: dict[str, Any], *extra: str, config: str = ""
) -> subprocess.CompletedProcess[str]:
    (folder / "postwright.toml").write_text(config, encoding="utf-8")
    path = folder / "notes.postman_collection.json"
    path.write_text(json.dumps(collection), encoding="utf-8")
    env = {**os.environ, TOKEN_ENV: server.token}
    return subprocess.run(
        [sys.executable, "-m", "agent", "verify", str(path), "--target", server.url, "--token-env", TOKEN_ENV]
        + ["--runs", "1", *extra],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
    )


def _mark_logout(collection: dict[str, Any], value: str) -> None:
    """Edit the logout items' safety marker in the collection, as a person might."""
    for folder in collection["item"]:
        for item in folder.get("item", [folder]):
            for variable in item.get("variable", []):
                if variable["key"] == MARKER and item["name"].startswith("POST /logout "):
                    variable["value"] = value


def _logout_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if " POST /logout " in line]


def test_a_file_alone_runs_reads_only_and_never_the_logout(server: NotesServer, tmp_path: Path) -> None:
    collection = kept_collection(server.url)
    done = verify(server, tmp_path, collection)
    assert server.calls.get("POST /logout", 0) == 0, done.stdout
    lines = _logout_lines(done.stdout)
    assert lines and all(line.startswith("SKIP ") for line in lines), done.stdout
    assert "list it in [target] allow_operations" in done.stdout
    assert "skipped (not run: not a failure)" in done.stdout.splitlines()[-1]
    assert "Traceback" not in done.stderr


def test_a_listed_logout_runs(server: NotesServer, tmp_path: Path) -> None:
    done = verify(
        server,
        tmp_path,
        kept_collection(server.url),
        config='[target]\nallow_operations = ["POST /logout"]\n',
    )
    assert server.calls.get("POST /logout", 0) >= 1, done.stdout
    assert not [line for line in _logout_lines(done.stdout) if line.startswith("SKIP ")]


def test_a_marker_edited_down_in_the_file_is_the_persons_choice_but_the_spec_outranks_it(
    server: NotesServer, tmp_path: Path
) -> None:
    collection = kept_collection(server.url)
    _mark_logout(collection, "read")
    spec = tmp_path / "notes.json"
    spec.write_text(json.dumps(SPEC.document), encoding="utf-8")
    guarded = verify(server, tmp_path, collection, "--spec", str(spec))
    assert server.calls.get("POST /logout", 0) == 0, guarded.stdout
    assert "the spec's class was used" in guarded.stdout
    trusted = verify(server, tmp_path, collection)
    assert server.calls.get("POST /logout", 0) >= 1, trusted.stdout


def test_shuffled_orders_give_the_same_verdicts(server: NotesServer, tmp_path: Path) -> None:
    collection = kept_collection(server.url)
    verdicts = []
    for extra in ([], ["--shuffle", "1"], ["--shuffle", "2"]):
        done = verify(server, tmp_path, collection, "--format", "json", *extra)
        report = json.loads(done.stdout)
        verdicts.append({item["id"]: item["status"] for item in report["items"]})
    assert verdicts[0] == verdicts[1] == verdicts[2]
    assert "skipped" in verdicts[0].values()
    shuffled = verify(server, tmp_path, collection, config="[sandbox]\nshuffle = 5\n")
    assert "Traceback" not in shuffled.stderr and server.calls.get("POST /logout", 0) == 0


def _validate(folder: Path, collection: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    spec, path = folder / "notes.json", folder / "notes.postman_collection.json"
    spec.write_text(json.dumps(SPEC.document), encoding="utf-8")
    path.write_text(json.dumps(collection), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "agent", "validate", str(path), "--spec", str(spec)],
        capture_output=True,
        text=True,
        cwd=folder,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


def test_validate_accepts_the_marker_and_names_a_marker_that_differs_from_the_spec(tmp_path: Path) -> None:
    collection = kept_collection("http://127.0.0.1:9")
    assert "safety-mismatch" not in _validate(tmp_path, collection).stdout
    _mark_logout(collection, "read")
    done = _validate(tmp_path, collection)
    assert done.returncode == 1 and "error: safety-mismatch: the item is marked read" in done.stdout
