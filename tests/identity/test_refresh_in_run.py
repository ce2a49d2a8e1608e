"""A token that expires inside a newman batch: the requests the target refused after the expiry run
again at once with a refreshed token and their verdicts replace the refusals, so a run longer
than the token's life passes (real oidc-provider issuing 5 s tokens, an API that checks expiry)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.identity.oidc_kit import Clients, Provider, ResourceServer, installed
from tests.identity.test_verify_targets import Project, _no_canary, _source_keys, _target
from tests.runner.conftest import sandbox_dir  # noqa: F401 (the fixture)
from tests.runner.runner_helpers import collection, item

pytestmark = pytest.mark.sandbox

TTL = 5  # seconds: a run of the collections below lasts more than twice this


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory: pytest.TempPathFactory, clients: Clients) -> Iterator[Provider]:
    """The provider issuing 5 s access tokens."""
    why = installed()
    if why:
        pytest.skip(why)
    started = Provider(tmp_path_factory.mktemp("provider5"), clients, TTL)
    yield started
    started.close()


@pytest.fixture
def api(short_lived: Provider) -> Iterator[Callable[..., ResourceServer]]:
    """APIs that trust the 5 s provider (the conftest's trust the module-wide one)."""
    servers: list[ResourceServer] = []

    def start(delay: float = 0.0) -> ResourceServer:
        servers.append(ResourceServer(short_lived, delay=delay))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _items(project: Project, count: int) -> None:
    ok = "pm.test('authorised', () => pm.response.to.have.status(200));"
    items = [item(f"pw-things-{n}", "{{baseUrl}}/things", ok, auth=True) for n in range(count)]
    (project.root / "c.json").write_text(json.dumps(collection(*items)))


@pytest.mark.parametrize(
    ("count", "delay", "extra"),
    [
        (8, 1.5, ()),  # one batch of 12 s: three rounds of retries
        (12, 1.0, ("--batch-size", "5")),  # batches of 5 s, each outliving a token issued for it
        (6, 2.0, ()),  # two requests per token, less newman's start
    ],
)
def test_a_token_expiring_mid_batch_is_refreshed_and_the_run_passes(
    count: int,
    delay: float,
    extra: tuple[str, ...],
    short_lived: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api(delay=delay)
    keys = _source_keys("secret", short_lived, client_env)
    project = Project(tmp_path, sandbox_dir, _target("api", server, keys), capsys)
    _items(project, count)
    assert project.verify("api", *extra) == 0, project.console
    out = project.console[-2]
    assert f"{count} passed, 0 failed" in out
    # the expiry happened (the API refused expired tokens) and was answered with fresh tokens
    assert "ExpiredSignatureError" in server.refused and len(server.accepted) == count
    assert len(set(server.accepted)) >= count * delay // TTL
    assert "ran again with a refreshed token" in out and "probably expired mid-run" not in out
    # and the audit shows the refresh: a token replaced a held one, for this target
    from agent.cli.main import main

    with pytest.raises(SystemExit):
        main(["--config", str(project.root / "postwright.toml"), "audit", "--json"])
    rows = json.loads(capsys.readouterr().out)
    refreshed = [r for r in rows if r["outcome"] == "refreshed" and r["target"] == "api"]
    assert len(refreshed) >= len(set(server.accepted)) - 1, rows
    _no_canary([*client_env.canaries(), *server.seen], project.console, tmp_path)


def test_a_run_of_several_passes_refreshes_in_each(
    short_lived: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api(delay=2.0)
    keys = _source_keys("private_key_jwt", short_lived, client_env)
    project = Project(tmp_path, sandbox_dir, _target("api", server, keys), capsys)
    _items(project, 4)
    assert project.verify("api", "--runs", "2", "--format", "json") == 0, project.console
    report = json.loads(project.console[-2])
    assert all(i["status"] == "passed" and i["runs_passed"] == 2 for i in report["items"])
    refreshed = [n for n in report["notices"] if n["code"] == "sandbox-token-refreshed"]
    assert {n["message"][:5] for n in refreshed} == {"run 1", "run 2"}
    assert len(server.accepted) == 8


def test_a_401_that_a_fresh_token_does_not_cure_stays_a_failure(
    short_lived: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An item sent with a bad token on purpose is refused whatever the token: it is retried only
    while its round settles others, then its 401 is its verdict."""
    server = api(delay=2.0)
    keys = _source_keys("secret", short_lived, client_env)
    project = Project(tmp_path, sandbox_dir, _target("api", server, keys), capsys)
    ok = "pm.test('authorised', () => pm.response.to.have.status(200));"
    bad = item("pw-bad", "{{baseUrl}}/things", ok)
    bad["request"]["header"] = [{"key": "Authorization", "value": "Bearer not-a-jwt"}]
    good = [item(f"pw-things-{n}", "{{baseUrl}}/things", ok, auth=True) for n in range(3)]
    (project.root / "c.json").write_text(json.dumps(collection(*good, bad)))
    assert project.verify("api") == 1, project.console
    out = project.console[-2]
    assert "3 passed, 1 failed" in out and "FAIL  pw-bad" in out
    # sent once per round: a round either settles one of the others or is the last
    assert 1 <= server.refused.count("DecodeError") <= 1 + len(good)
