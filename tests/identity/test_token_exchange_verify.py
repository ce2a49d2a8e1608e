"""`postwright verify COLLECTION --spec SPEC --target NAME` with a ``token-exchange`` target: a
subject token from a file or from GitHub Actions exchanged at a real OpenID provider for a token
the JWT-checking API accepts; one-line failures, exit 2, nothing sent; no secret in any artifact."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.cli.main import main
from agent.config import load_settings
from agent.errors import ConfigError
from agent.identity.token_exchange import TokenExchange
from agent.runner.credentials import TargetToken
from agent.wiring import named_target
from tests.identity.exchange_kit import (  # noqa: F401 (fixtures)
    PUBLIC_ID,
    GitHubActions,
    Issuer,
    actions,
    issuer,
    provider,
    subject_file,
)
from tests.identity.oidc_kit import MISMATCH, Clients, Provider, ResourceServer, free_port
from tests.identity.test_verify_targets import Project, _no_canary, _target, scratch  # noqa: F401
from tests.runner.conftest import sandbox_dir  # noqa: F401 (the fixture)

pytestmark = pytest.mark.sandbox


@pytest.fixture
def workload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the workload's token file is: outside the project, whose files are searched for it."""
    return tmp_path_factory.mktemp("workload")


def _keys(kind: str, provider: Provider, clients: Clients, token_file: Path) -> str:  # noqa: F811
    """A ``[targets.NAME]``'s token-exchange keys."""
    keys = f'token_source = "token-exchange"\ntoken_url = "{provider.token_url}"\n'
    if kind == "github":
        keys += 'github_oidc = true\ngithub_oidc_audience = "postwright-sts"\n'
        return keys + f'client_id = "{clients.jwt_id}"\nprivate_key_file = "{clients.key_file}"\n'
    keys += f'subject_token_file = "{token_file}"\n'
    if kind == "public":
        return keys + f'client_id = "{PUBLIC_ID}"\n'
    return keys + f'client_id = "{clients.secret_id}"\nclient_secret_env = "PW_IDP_SECRET"\n'


def _canaries(clients: Clients, issuer: Issuer, server: ResourceServer, *more: str) -> list[str]:  # noqa: F811
    return [*clients.canaries(), *issuer.minted, *server.seen, *more]


@pytest.mark.parametrize("kind", ["file", "public", "github"])
def test_verify_passes_with_an_exchanged_token(
    kind: str,
    provider: Provider,  # noqa: F811
    client_env: Clients,
    issuer: Issuer,  # noqa: F811
    actions: GitHubActions,  # noqa: F811
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    workload: Path,
    scratch: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    subject_file(workload, issuer.mint())
    project = Project(
        tmp_path,
        sandbox_dir,
        _target("api", server, _keys(kind, provider, client_env, workload / "token")),
        capsys,
    )
    assert project.verify("api", "--runs", "2", "--format", "json") == 0, (server.refused, project.console)
    assert len(server.accepted) == 2 and server.refused == []
    assert (len(actions.asked) > 0) == (kind == "github")  # asked once per exchange
    # the audit names the workload the subject token stood for, and the client that exchanged it
    with pytest.raises(SystemExit) as audit:
        main(["--config", str(project.root / "postwright.toml"), "audit", "--json"])
    out, err = capsys.readouterr()
    project.console += [out, err]
    assert audit.value.code in (0, None), err
    rows = json.loads(out)
    client_id = {"file": client_env.secret_id, "public": PUBLIC_ID}.get(kind, client_env.jwt_id)
    subject = (
        "repo:postwright/postwright:ref:refs/heads/main"
        if kind == "github"
        else "system:serviceaccount:ci:postwright"
    )
    assert rows and all(
        (r["source"], r["client_id"], r["subject"], r["audience"])
        == ("token-exchange", client_id, subject, [server.audience])
        for r in rows
    )
    _no_canary(
        _canaries(client_env, issuer, server, actions.request_token), project.console, tmp_path, scratch
    )


def test_short_lived_tokens_are_exchanged_again_between_runs(
    provider: Provider,  # noqa: F811
    client_env: Clients,
    issuer: Issuer,  # noqa: F811
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    workload: Path,
    scratch: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Each run lasts past 4 s of the provider's 15 s token life, so the fourth starts past the
    # cache's renewal point (80% of the life: 12 s) whatever the machine's speed; with three runs
    # the renewal hung on newman's start-up time (one run in CI ended with one token).
    server = api(delay=4.0)
    subject_file(workload, issuer.mint())
    project = Project(
        tmp_path,
        sandbox_dir,
        _target("api", server, _keys("file", provider, client_env, workload / "token")),
        capsys,
    )
    assert project.verify("api", "--runs", "4") == 0, project.console
    assert len(server.accepted) == 4 and server.refused == [] and len(set(server.accepted)) >= 2
    _no_canary(_canaries(client_env, issuer, server), project.console, tmp_path, scratch)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unknown-audience", "does not know the audience 'urn:nobody:knows'"),
        ("mismatch", "issued a token for https://elsewhere.test/"),
        ("expired", "expired at"),
        ("missing", "does not exist"),
        ("untrusted", "refused the subject token from file"),
        ("no-actions", "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set"),
        ("wrong-secret", "client was refused"),
        ("down", "unreachable"),
    ],
)
def test_failures_are_one_line_exit_2_and_nothing_is_sent(
    case: str,
    expected: str,
    provider: Provider,  # noqa: F811
    clients: Clients,
    issuer: Issuer,  # noqa: F811
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    workload: Path,
    scratch: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    monkeypatch.setenv(
        "PW_IDP_SECRET", "wrong-" + clients.secret[:4] if case == "wrong-secret" else clients.secret
    )
    for name in ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    token = {"expired": issuer.mint(ttl=-30), "untrusted": Issuer().mint()}.get(case) or issuer.mint()
    if case != "missing":
        subject_file(workload, token)
    keys = _keys("github" if case == "no-actions" else "file", provider, clients, workload / "token")
    if case == "down":
        keys = keys.replace(provider.token_url, f"http://127.0.0.1:{free_port()}/token")
    audience = {"unknown-audience": "urn:nobody:knows", "mismatch": MISMATCH}.get(case)
    project = Project(tmp_path, sandbox_dir, _target("api", server, keys, audience=audience), capsys)
    assert project.verify("api") == 2
    err = project.console[-1].strip()
    assert len(err.splitlines()) == 1 and expected in err, err
    assert "token-exchange" in err
    assert server.seen == []  # no token reached the API
    _no_canary([*clients.canaries(), token], project.console, tmp_path, scratch)


def test_config_builds_the_source_with_paths_from_the_project_root(tmp_path: Path) -> None:
    (tmp_path / "postwright.toml").write_text(
        '[targets.k8s]\nurl = "https://api.example.test"\naudience = "api"\ntoken_source = "token-exchange"\n'
        'token_url = "https://sts.example.test/token"\nsubject_token_file = "run/token"\n'
        'requested_token_type = "urn:ietf:params:oauth:token-type:access_token"\n'
        '[targets.gha]\nurl = "https://api.example.test"\ntoken_source = "token-exchange"\n'
        'token_url = "https://sts.example.test/token"\ngithub_oidc = true\nclient_id = "ci"\n'
        'audience_param = "resource"\n'
    )
    settings = load_settings(cwd=tmp_path)
    k8s, gha = named_target(settings, "k8s"), named_target(settings, "gha")
    assert k8s is not None and gha is not None
    assert isinstance(k8s[1], TargetToken) and isinstance(gha[1], TargetToken)
    source, actions_source = k8s[1].cache.source, gha[1].cache.source
    assert isinstance(source, TokenExchange) and isinstance(actions_source, TokenExchange)
    assert source.subject_token_file == tmp_path / "run/token" and source.audience_param == "audience"
    assert source.requested_token_type == "urn:ietf:params:oauth:token-type:access_token"
    assert actions_source.github_oidc and actions_source.client_id == "ci"
    assert actions_source.audience_param == "resource" and k8s[1].audience == "api"


@pytest.mark.parametrize(
    ("keys", "match"),
    [
        ('token_source = "token-exchange"\nsubject_token_file = "t"\n', "needs token_url"),
        (
            'token_source = "token-exchange"\ntoken_url = "https://s.test/t"\n',
            "subject_token_file or github_oidc",
        ),
        (
            'token_source = "token-exchange"\ntoken_url = "https://s.test/t"\nsubject_token_file = "t"\n'
            "github_oidc = true\n",
            "subject_token_file or github_oidc",
        ),
        (
            'token_source = "client-credentials"\ntoken_url = "https://s.test/t"\nclient_id = "a"\n'
            'client_secret_env = "S"\nsubject_token_file = "t"\n',
            "subject_token_file does not go with token_source 'client-credentials'",
        ),
        ('token_source = "env"\ntoken_env = "T"\ngithub_oidc = true\n', "github_oidc does not go with"),
        (
            'token_source = "token-exchange"\ntoken_url = "https://s.test/t"\nsubject_token_file = "t"\n'
            'token_env = "T"\n',
            "token_env does not go with token_source 'token-exchange'",
        ),
        (
            'token_source = "token-exchange"\ntoken_url = "https://s.test/t"\ngithub_oidc = true\n'
            'client_secret_env = "bad name"\n',
            "client_secret_env",
        ),
    ],
)
def test_config_mistakes_are_one_line(tmp_path: Path, keys: str, match: str) -> None:
    (tmp_path / "postwright.toml").write_text(f'[targets.api]\nurl = "https://api.example.test"\n{keys}')
    with pytest.raises(ConfigError) as caught:
        load_settings(cwd=tmp_path)
    assert match in str(caught.value) and "\n" not in str(caught.value).strip()


def test_the_readme_configs_load(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("#### Source: token-exchange", 1)[1].split("\n#### ", 1)[0].split("\n### ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```toml\n")[1:]]
    assert len(blocks) == 2
    for block, github in zip(blocks, (False, True), strict=True):
        (tmp_path / "postwright.toml").write_text(block)
        built = named_target(load_settings(cwd=tmp_path), "staging")
        assert built is not None and isinstance(built[1], TargetToken)
        source = built[1].cache.source
        assert isinstance(source, TokenExchange) and source.github_oidc is github
        assert (source.subject_token_file is None) is github and source.client_id == "postwright-ci"
