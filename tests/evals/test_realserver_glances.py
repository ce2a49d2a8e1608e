"""A real API server in two releases: tests generated from its diff hold on new and catch old.

Glances 4.0.8 -> 4.3.3 (PyPI) is installed into the eval cache (evals/realservers/launch.py;
~1 min from a cold pip cache), both releases start on 127.0.0.1 behind a recording proxy, and
`postwright generate --verify` keeps what passes against the new one. Skipped with the reason
when the package cannot be installed (no registry reachable, no cache).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evals.realservers.bench import Result, measure
from evals.realservers.launch import InstallError, install
from evals.realservers.servers import SERVERS

pytestmark = [pytest.mark.slow, pytest.mark.sandbox, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def glances_cache() -> str:
    """Install both releases into the eval cache evals/realservers shares (module scope runs
    before the per-test HOME is made, so the venvs outlive the test); returns its base."""
    server = SERVERS["glances"]
    for version in (server.old, server.new):
        try:
            install("glances", version)
        except InstallError as exc:
            pytest.skip(f"glances {version} cannot be installed here (offline, no pip cache?): {exc}")
    return os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")


def test_kept_tests_hold_on_the_new_release_and_catch_the_old(
    glances_cache: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", glances_cache)  # the installed venvs, not a fresh HOME's
    kept, given = measure("glances", runs=1, seed=17, root=tmp_path, modes=["kept", "vars"])
    row = kept.row()
    lines = [f"{i.new} old={i.old} {i.operation} [{i.kind}] {i.reasons}" for i in kept.items]
    ran = [i for i in kept.items if i.new != "skipped"]
    assert ran, f"no kept test ran: {kept.summary}"
    assert row["false alarms new"] == 0, lines
    assert all(i.new == "passed" and i.old == "failed" for i in ran), lines
    assert {i.safety for i in ran} == {"read"}, lines  # [target] allow defaults to read
    assert all(i.reasons for i in kept.items if i.new == "skipped"), lines  # skipped says why
    assert row["shuffle same"], lines
    # the server-side record: POST /api/4/events/clear/* never reached the target (not listed)
    assert kept.destructive_seen == []

    _with_variables(given)


# Answers 200 on the old release too, through its /{plugin}/{item}/{value} route, and the spec
# gives its response no schema ({}), so no test from the spec can tell the two apart.
NOT_DISTINGUISHABLE = {"GET /api/4/{plugin}/{item}/views", "GET /api/4/{plugin}/{item}/{key}"}


def _with_variables(given: Result) -> None:
    """With the [variables] a Glances user knows: every added read passes on new and, but for the
    route the old release also answers, fails on old; the listed destructive operation ran once."""
    row = given.row()
    lines = [f"{i.new} old={i.old} {i.operation} [{i.kind}] {i.reasons}" for i in given.items]
    assert row["false alarms new"] == 0 and row["shuffle same"], lines
    reads = [i for i in given.items if i.change == "added" and i.safety == "read"]
    assert len({i.operation for i in reads}) == given.added_read_ops, lines  # none skipped or dropped
    assert all(i.new == "passed" for i in reads), lines
    assert all(i.old == "failed" for i in reads if i.operation not in NOT_DISTINGUISHABLE), lines
    assert given.destructive_seen == [] and row["listed destructive ran"] == "1/1"
