"""The commands after a propose: explain, drop, ignore, regenerate, recreate; and `bot serve` itself."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.bot.world import BOT, REPO, World

ROOT = Path(__file__).resolve().parents[2]


def _answer(world: World, text: str, until: str) -> str:
    world.send("issue_comment", world.comment("maintainer", text))
    world.wait(lambda: any(until in b and text.split()[1] in b for b in world.sticky()))
    world.wait(world.idle)
    [sticky] = world.sticky()
    return sticky


def test_explain_drop_ignore_regenerate_and_recreate(world: World) -> None:
    world.start()
    proposed = _answer(world, "/postwright propose", "proposed tests")
    ids = re.findall(r"`(pw-[0-9a-z-]+)`", proposed)
    assert ids
    explained = _answer(world, f"/postwright explain {ids[0]}", "covers")
    assert f"`{ids[0]}`" in explained and "status" in explained
    assert "is known here" in _answer(world, "/postwright explain pw-nosuchtest", "known")

    dropped = _answer(world, f"/postwright drop {ids[0]}", "Dropped")
    assert "will not be proposed again" in dropped
    again = _answer(world, "/postwright regenerate", "proposed tests")
    assert f"`{ids[0]}`" not in again  # a dropped test is not proposed again

    assert "get no tests on this pull request" in _answer(world, "/postwright ignore endpoint-added", "tests")

    # a person edits the tests' branch: the bot leaves it; recreate takes it back
    [tests_pr] = [p for p in world.github.pulls(REPO) if p.user.login == BOT]
    world.github.push(REPO, tests_pr.head_ref, {"NOTES.md": "mine\n"}, by="maintainer")
    left = _answer(world, "/postwright propose", "recreate")
    assert "someone else" in left
    back = _answer(world, "/postwright recreate", "proposed tests")
    assert "someone else" not in back
    assert world.github.file(REPO, tests_pr.head_ref, "NOTES.md") is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_bot_serve_needs_its_secret_then_serves(world: World, tmp_path: Path) -> None:
    config = str(world.root / "postwright.toml")
    env = {k: v for k, v in os.environ.items() if k != "POSTWRIGHT_BOT__WEBHOOK_SECRET"}
    env["PYTHONPATH"] = str(ROOT)
    argv = [sys.executable, "-m", "agent", "--config", config, "bot", "serve"]
    refused = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 2 and "POSTWRIGHT_BOT__WEBHOOK_SECRET" in refused.stderr
    assert "Traceback" not in refused.stderr
    port = _free_port()
    env["POSTWRIGHT_BOT__WEBHOOK_SECRET"] = world.secret
    with subprocess.Popen(
        [*argv, "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "bot serve did not start"
                    time.sleep(0.1)
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "event"} <= set(line) for line in lines)


def test_tests_go_to_the_collections_repository(world: World) -> None:
    world.github.create_repo("acme/api-tests", files={"README.md": "# tests\n"})
    world.github.grant("acme/api-tests", BOT, "write")
    config = world.root / "postwright.toml"
    config.write_text(config.read_text().replace("[bot]\n", '[bot]\ncollections_repo = "acme/api-tests"\n'))
    world.start()
    sticky = _answer(world, "/postwright propose", "proposed tests")
    [tests_pr] = world.github.pulls("acme/api-tests")
    assert f"/acme/api-tests/pull/{tests_pr.number})" in sticky
    assert [p.number for p in world.github.pulls(REPO)] == [world.number]  # none in the API repo


def test_the_webhook_secret_is_refused_in_the_file(world: World) -> None:
    from agent.config import load_settings
    from agent.errors import ConfigError

    config = world.root / "postwright.toml"
    config.write_text(config.read_text().replace("[bot]\n", '[bot]\nwebhook_secret = "in-the-file"\n'))
    with pytest.raises(ConfigError, match="POSTWRIGHT_BOT__WEBHOOK_SECRET"):
        load_settings(config=config)
