"""A `[targets.NAME]` name works wherever a target is given: `postwright run --target NAME`,
`[sandbox] target = "NAME"` for run and verify; the name brings its own identity (never
`[sandbox]`'s token), and a token for another audience is never sent (the API records every
token it was sent)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agent.identity.token import peek_claims
from agent.runner.target import parse_target
from agent.wiring import newman, target_url
from tests.identity.oidc_kit import MISMATCH, Clients, Provider, ResourceServer
from tests.identity.test_verify_targets import Project, _no_canary, _source_keys, _target
from tests.runner.conftest import sandbox_dir  # noqa: F401 (the fixture)

pytestmark = pytest.mark.sandbox


def _config(project: Project, sandbox_target: str | None, token_env: str | None = None) -> None:
    """Put ``target`` (and [sandbox]'s own token variable) under [sandbox] of the project's config."""
    toml = project.root / "postwright.toml"
    extra = (f'target = "{sandbox_target}"\n' if sandbox_target else "") + (
        f'token_env = "{token_env}"\n' if token_env else ""
    )
    toml.write_text(toml.read_text().replace("runs = 1\n", f"runs = 1\n{extra}", 1))


def _run(project: Project, *extra: str) -> int:
    from agent.cli.main import main

    args = [
        "--config",
        str(project.root / "postwright.toml"),
        "run",
        "--spec",
        str(project.root / "spec.yaml"),
    ]
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--llm", "none", "--no-publish", *extra])
    out, err = project.capsys.readouterr()
    project.console += [out, err]
    return int(exit_info.value.code or 0)


def _audiences(server: ResourceServer) -> set[str]:
    """The audiences of every JWT the API was sent (a test that sends none or a bad one: no JWT)."""
    found: set[str] = set()
    for token in server.seen:
        aud = peek_claims(token).get("aud")
        found.update(aud if isinstance(aud, list) else [aud] if isinstance(aud, str) else [])
    return found


@pytest.mark.parametrize("how", ["flag", "sandbox-target", "flag-over-sandbox-url"])
def test_run_sends_a_named_targets_own_tokens_only(
    how: str,
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, decoy = api(), api()
    keys = _source_keys("secret", provider, client_env)
    project = Project(tmp_path, sandbox_dir, _target("api", server, keys), capsys)
    default_token = "dt" + client_env.secret[::-1]  # [sandbox]'s token: never for a named target
    monkeypatch.setenv("PW_DEFAULT_TOKEN", default_token)
    sandbox_target = {"flag": None, "sandbox-target": "api", "flag-over-sandbox-url": decoy.url}[how]
    _config(project, sandbox_target, token_env="PW_DEFAULT_TOKEN")
    flags = () if how == "sandbox-target" else ("--target", "api")
    assert _run(project, *flags) == 0, project.console
    assert "kept" in project.console[-2] and server.accepted, project.console
    assert _audiences(server) == {server.audience} and default_token not in server.seen
    assert decoy.seen == []
    _no_canary([*client_env.canaries(), *server.seen, default_token], project.console, tmp_path)


def test_a_named_target_for_another_audience_is_refused_by_run_and_verify(
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    keys = _source_keys("secret", provider, client_env)
    targets = _target("mismatch", server, keys, audience=MISMATCH) + _target("api", server, keys)
    project = Project(tmp_path, sandbox_dir, targets, capsys)
    _config(project, "mismatch")
    assert _run(project) == 2
    assert "issued a token for https://elsewhere.test/" in project.console[-1], project.console
    assert project.verify("mismatch") == 2 and "not sent" in project.console[-1]
    assert server.seen == []  # no request at all carried the other audience's token
    assert project.verify("api") == 0  # the same API, its own audience: accepted
    assert _audiences(server) == {server.audience}


def test_verify_without_target_uses_the_sandbox_targets_name(
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from agent.cli.main import main

    server = api()
    keys = _source_keys("private_key_jwt", provider, client_env)
    project = Project(tmp_path, sandbox_dir, _target("api", server, keys), capsys)
    _config(project, "api")
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(project.root / "postwright.toml"), "verify", str(project.root / "c.json")])
    assert exit_info.value.code == 0, capsys.readouterr()
    assert len(server.accepted) == 1 and _audiences(server) == {server.audience}


def test_wiring_resolves_a_name_in_one_place(tmp_path: Path) -> None:
    """newman() and the job's base URL read [sandbox] target through the same [targets.NAME] table."""
    from agent.config import load_settings

    url = "http://127.0.0.1:9"
    (tmp_path / "postwright.toml").write_text(
        f'spec = "s.yaml"\n[sandbox]\ntarget = "api"\ntoken_env = "PW_DEFAULT"\n'
        f'[targets.api]\nurl = "{url}"\n[targets.other]\nurl = "http://127.0.0.1:8"\n'
    )
    settings = load_settings(config=tmp_path / "postwright.toml")
    assert target_url(settings) == url and target_url(settings, "other") == "http://127.0.0.1:8"
    assert target_url(settings, url) == url
    runner = newman(settings, folder=tmp_path)
    assert runner.target == parse_target(url).url and runner.credentials is None  # not [sandbox]'s
    assert newman(settings, folder=tmp_path, target="other").target == parse_target("http://127.0.0.1:8").url
