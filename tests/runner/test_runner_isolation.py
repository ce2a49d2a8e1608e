"""The sandbox's confinement: network namespace, timeout, scrubbed environment."""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
import time
from pathlib import Path

import pytest

from agent.errors import UsageError
from agent.models import SpecDocument
from agent.runner import NewmanRunner
from agent.runner.isolation import choose, netns_available, scrubbed_env
from agent.runner.target import parse_target
from tests.runner.runner_helpers import collection, item

needs_netns = pytest.mark.skipif(not netns_available(), reason="unshare --net is not permitted here")


def test_scrubbed_env_keeps_nothing_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_CANARY", "x" * 12)
    monkeypatch.setenv("NODE_OPTIONS", "--max-old-space-size=256 --require /tmp/evil.js")
    env = scrubbed_env(tmp_path, "/usr/bin/node")
    assert set(env) == {"PATH", "HOME", "TMPDIR", "LANG", "NO_COLOR", "NO_UPDATE_NOTIFIER", "NODE_OPTIONS"}
    assert env["HOME"] == str(tmp_path) and env["NODE_OPTIONS"] == "--max-old-space-size=256"


def test_isolation_choice() -> None:
    assert choose("none")[0] == "none"
    assert choose("none", target=parse_target("http://127.0.0.1:9"))[0] == "none"
    expected = "netns" if netns_available() else "none"
    assert choose("auto", target=parse_target("http://127.0.0.1:9"))[0] == expected
    with pytest.raises(UsageError):
        choose("chroot")


@pytest.mark.sandbox
@needs_netns
def test_namespace_blocks_outbound_requests(sandbox_dir: Path, demo_spec: SpecDocument) -> None:
    # TEST-NET-1: never routable; inside the namespace there is no route at all, so this is immediate.
    probe = [
        "pm.sendRequest('http://192.0.2.1:80/', (err, res) => {",
        "  pm.test('outbound is unreachable', () => {",
        "    pm.expect(err).to.exist;",
        "    pm.expect(String(err.code || err.message)).to.match(/ENETUNREACH|EHOSTUNREACH/);",
        "  });",
        "});",
        "pm.test('the mock on loopback answers', () => pm.response.to.have.status(200));",
    ]
    coll = collection(item("pw-escape", "{{baseUrl}}/pets/42", *probe, auth=True))
    runner = NewmanRunner(sandbox_dir, timeout=60, isolate="netns")
    report = runner.run(coll, demo_spec, runs=1)
    # The script is outside the policy: inside a namespace that is a warning, and the run goes on.
    assert report.isolation == "netns" and {n.code for n in report.notices} == {"script-send-request"}
    assert report.items["pw-escape"].status == "passed", report.items["pw-escape"].reasons


def _newman_environs(marker: str, seen: list[dict[str, str]], stop: threading.Event) -> None:
    """Collect the environment of every newman process whose command line contains ``marker``."""
    while not stop.is_set():
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"newman" in cmd and marker.encode() in cmd:
                    raw = Path(f"/proc/{pid}/environ").read_bytes()
                    seen.append(dict(kv.split("=", 1) for kv in raw.decode().split("\0") if "=" in kv))
            except OSError:
                continue
        time.sleep(0.1)


@pytest.mark.sandbox
def test_timeout_kills_a_hanging_run_and_children_see_no_parent_env(
    sandbox_dir: Path, demo_spec: SpecDocument, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = "pwcanary" + secrets.token_hex(8)
    monkeypatch.setenv("PW_CANARY_TOKEN", canary)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the run's work dir lands under tmp_path
    coll = collection(
        item("pw-hang", "{{baseUrl}}/pets/42", "pm.test('never ends', () => { while (true) {} });", auth=True)
    )
    seen: list[dict[str, str]] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_newman_environs, args=(str(tmp_path), seen, stop), daemon=True)
    watcher.start()
    try:
        report = NewmanRunner(sandbox_dir, timeout=4).run(coll, demo_spec, runs=1)
    finally:
        stop.set()
        watcher.join()

    assert report.runs[0].timed_out
    assert report.items["pw-hang"].status == "unfinished"  # no verdict: not a failed test
    assert "timed out after 4s" in report.items["pw-hang"].reasons[0]
    assert seen, "the newman process was never observed"
    for env in seen:
        assert "PW_CANARY_TOKEN" not in env and canary not in "".join(env.values())
        assert env["HOME"].startswith(str(tmp_path))
    # Nothing of the run is left: no process, no work dir.
    leftovers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if str(tmp_path).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                leftovers.append(pid)
        except OSError:
            continue
    assert not leftovers
    assert not list(tmp_path.glob("pw-sandbox-*"))


@pytest.mark.sandbox
@needs_netns  # the script is outside the policy: without a namespace it would be refused
def test_scripts_cannot_read_the_parent_environment(
    sandbox_dir: Path, demo_spec: SpecDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PW_CANARY_TOKEN", "pwcanary" + secrets.token_hex(8))
    look = [
        "const seen = JSON.stringify([pm.environment.toObject(), pm.globals.toObject(),",
        "  pm.variables.toObject(), typeof process === 'undefined' ? {} : process.env]);",
        "pm.test('no canary', () => pm.expect(seen).to.not.include('PW_CANARY_TOKEN'));",
        "pm.test('only the runner variables', () =>",
        "  pm.expect(Object.keys(pm.environment.toObject()).sort())",
        "    .to.eql(['accessToken', 'baseUrl', 'pwUseDefaults']));",  # pwUseDefaults: a mock's ids do
    ]
    coll = collection(item("pw-peek", "{{baseUrl}}/pets/42", *look, auth=True))
    report = NewmanRunner(sandbox_dir, timeout=60).run(coll, demo_spec, runs=1)
    assert report.items["pw-peek"].status == "passed", report.items["pw-peek"].reasons
