"""`postwright verify COLLECTION --spec SPEC --target NAME` against a real OpenID provider and an API
that checks the JWT's signature, audience and expiry: each source, refresh between runs, a token
for another audience never sent, one-line failures, and no secret in any artifact."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.cli.main import main
from agent.identity.sources import open_source
from tests.identity.conftest import folder_of
from tests.identity.oidc_kit import MISMATCH, Clients, Provider, ResourceServer, free_port
from tests.runner.conftest import sandbox_dir  # noqa: F401 (the fixture)
from tests.runner.runner_helpers import collection, item

pytestmark = pytest.mark.sandbox

SPEC = """openapi: 3.0.3
info: {title: things, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      security: [{bearer: []}]
      responses:
        "200": {description: ok}
        "401": {description: no}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
"""


def _source_keys(kind: str, provider: Provider, clients: Clients, token_env: str = "PW_API_TOKEN") -> str:
    if kind == "env":
        return f'token_source = "env"\ntoken_env = "{token_env}"\n'
    common = f'token_source = "client-credentials"\ntoken_url = "{provider.token_url}"\n'
    if kind == "secret":
        return common + f'client_id = "{clients.secret_id}"\nclient_secret_env = "PW_IDP_SECRET"\n'
    return common + f'client_id = "{clients.jwt_id}"\nprivate_key_file = "{clients.key_file}"\n'


class Project:
    """A folder with postwright.toml, a spec and a one-request collection; runs verify in it."""

    def __init__(self, root: Path, sandbox: Path, targets: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.capsys = root, capsys
        (root / "postwright.toml").write_text(f'[sandbox]\ndir = "{sandbox}"\nruns = 1\n\n{targets}')
        (root / "spec.yaml").write_text(SPEC)
        ok = "pm.test('authorised', () => pm.response.to.have.status(200));"
        (root / "c.json").write_text(
            json.dumps(collection(item("pw-things", "{{baseUrl}}/things", ok, auth=True)))
        )
        self.console: list[str] = []

    def verify(self, target: str, *extra: str) -> int:
        args = ["--config", str(self.root / "postwright.toml"), "verify", str(self.root / "c.json")]
        with pytest.raises(SystemExit) as exit_info:
            main([*args, "--spec", str(self.root / "spec.yaml"), "--target", target, *extra])
        out, err = self.capsys.readouterr()
        self.console += [out, err]
        return int(exit_info.value.code or 0)


def _target(name: str, api: ResourceServer, keys: str, audience: str | None = None) -> str:
    return f'[targets.{name}]\nurl = "{api.url}"\naudience = "{audience or api.audience}"\n{keys}\n'


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp dir everything of the run goes to: searched for secrets afterwards."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _no_canary(canaries: list[str], console: list[str], *folders: Path) -> None:
    """No canary in the console, the folders, or the state dir (the state DB, the audit key)."""
    state = Path(os.environ.get("POSTWRIGHT_STATE_DIR", "state-dir-unset"))
    searched = [*folders, state] if state.is_dir() else list(folders)
    texts = ["\n".join(console)] + [
        p.read_bytes().decode("utf-8", "replace") for f in searched for p in folder_of(f)
    ]
    for canary in canaries:
        assert all(canary not in text and canary[:12] not in text for text in texts), "a secret leaked"


@pytest.mark.parametrize("kind", ["env", "secret", "private_key_jwt"])
def test_each_source_passes_against_an_api_that_checks_the_jwt(
    kind: str,
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    scratch: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    if kind == "env":  # today's static token: one the provider issued for this API, in a variable
        issued = open_source(
            "client-credentials",
            token_url=provider.token_url,
            client_id=client_env.secret_id,
            client_secret_env="PW_IDP_SECRET",
        ).token(server.audience, ())
        monkeypatch.setenv("PW_API_TOKEN", issued.value.get_secret_value())
    project = Project(
        tmp_path, sandbox_dir, _target("api", server, _source_keys(kind, provider, client_env)), capsys
    )
    # A static token is not renewed: one run, so its 6 s life is not a race with newman's start-up.
    runs = 1 if kind == "env" else 2
    assert project.verify("api", "--runs", str(runs), "--format", "json") == 0, project.console
    assert len(server.accepted) == runs and server.refused == []
    _no_canary([*client_env.canaries(), *server.seen], project.console, tmp_path, scratch)


def test_short_lived_tokens_are_renewed_between_runs(
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    scratch: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api(delay=2.0)  # each run lasts past a third of the provider's 6 s token life
    project = Project(
        tmp_path, sandbox_dir, _target("api", server, _source_keys("secret", provider, client_env)), capsys
    )
    assert project.verify("api", "--runs", "3") == 0, project.console
    # every request carried a valid token (an expired one is refused), and more than one was issued
    assert len(server.accepted) == 3 and server.refused == [] and len(set(server.accepted)) >= 2
    _no_canary([*client_env.canaries(), *server.seen], project.console, tmp_path, scratch)


def test_a_token_for_another_audience_is_never_sent(
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, other = api(), api()
    keys = _source_keys("secret", provider, client_env)
    monkeypatch.setenv("PW_DEFAULT_TOKEN", "dt" + client_env.secret[::-1])
    targets = (
        _target("mismatch", server, keys, audience=MISMATCH)  # the provider issues it for another audience
        + _target("other", other, keys)
        + f'[targets.bare]\nurl = "{server.url}"\n'  # no token source: [sandbox]'s token is not its
    )
    project = Project(tmp_path, sandbox_dir, targets, capsys)
    toml = project.root / "postwright.toml"
    toml.write_text(toml.read_text().replace("runs = 1\n", 'runs = 1\ntoken_env = "PW_DEFAULT_TOKEN"\n'))
    assert project.verify("mismatch") == 2
    assert (
        "issued a token for https://elsewhere.test/" in project.console[-1]
        and "not sent" in project.console[-1]
    )
    elsewhere = tmp_path / "elsewhere"  # a config naming another host's audience does not load
    elsewhere.mkdir()
    audience = "https://elsewhere.test/"
    project_2 = Project(elsewhere, sandbox_dir, _target("api", server, keys, audience=audience), capsys)
    assert project_2.verify("api") == 2 and "names another host than url" in project_2.console[-1]
    assert server.seen == []
    assert project.verify("bare") == 1  # runs, without a token: the API refuses it
    assert server.seen == ["{{accessToken}}"] and server.accepted == []
    assert project.verify("other") == 0 and server.accepted == [] and len(other.accepted) == 1


@pytest.mark.parametrize(
    ("kind", "break_it", "expected"),
    [
        (
            "secret",
            lambda env, c, p: env.setenv("PW_IDP_SECRET", "wrong-" + c.secret[:4]),
            "client was refused",
        ),
        ("secret", lambda env, c, p: env.delenv("PW_IDP_SECRET"), "PW_IDP_SECRET is not set"),
        ("private_key_jwt", lambda env, c, p: c.key_file.rename(c.folder / "gone.pem"), "does not exist"),
        ("down", lambda env, c, p: None, "unreachable"),
    ],
)
def test_identity_failures_are_one_line_exit_2(
    kind: str,
    break_it: Callable[..., object],
    expected: str,
    provider: Provider,
    clients: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    monkeypatch.setenv("PW_IDP_SECRET", clients.secret)
    keys = _source_keys("secret" if kind == "down" else kind, provider, clients)
    if kind == "down":
        keys = keys.replace(provider.token_url, f"http://127.0.0.1:{free_port()}/token")
    project = Project(tmp_path, sandbox_dir, _target("api", server, keys), capsys)
    key = clients.key_file.read_bytes()
    break_it(monkeypatch, clients, tmp_path)
    try:
        assert project.verify("api") == 2
    finally:
        clients.key_file.write_bytes(key)  # the module's clients are shared
    err = project.console[-1].strip()
    assert len(err.splitlines()) == 1 and "client-credentials" in err and expected in err, err
    assert server.seen == []
    _no_canary(clients.canaries(), project.console, tmp_path)
