"""``[targets.NAME]``: environment variable names and file paths only, each source's own keys, and
an audience on the target's own host; ``wiring.named_target`` builds the target's identity."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import load_settings
from agent.errors import ConfigError
from agent.identity.client_credentials import ClientCredentials
from agent.identity.env import EnvToken
from agent.identity.sources import SOURCES
from agent.runner.credentials import TargetToken
from agent.wiring import named_target

CC = 'token_source = "client-credentials"\ntoken_url = "https://idp.example.test/token"\n'


def _settings(tmp_path: Path, body: str):
    (tmp_path / "postwright.toml").write_text(body)
    return load_settings(cwd=tmp_path)


def test_each_source_is_built_for_its_target(tmp_path: Path) -> None:
    body = (
        '[targets.staging]\nurl = "https://api.example.test/v1"\naudience = "https://api.example.test/"\n'
        f'scopes = ["read", "write"]\n{CC}client_id = "svc"\nprivate_key_file = "keys/svc.pem"\n'
        '[targets.static]\nurl = "http://127.0.0.1:8080"\ntoken_source = "env"\ntoken_env = "STATIC_TOKEN"\n'
        '[targets.open]\nurl = "http://127.0.0.1:8081"\n'
    )
    settings = _settings(tmp_path, body)
    staging = named_target(settings, "staging")
    assert staging is not None
    url, provider = staging
    assert isinstance(provider, TargetToken)
    source = provider.cache.source
    assert url == "https://api.example.test/v1" and isinstance(source, ClientCredentials)
    assert source.private_key_file == tmp_path / "keys/svc.pem" and source.client_id == "svc"
    assert (provider.audience, provider.scopes) == ("https://api.example.test/", ("read", "write"))
    static = named_target(settings, "static")
    assert static is not None and isinstance(static[1], TargetToken)
    assert static[1].cache.source == EnvToken("STATIC_TOKEN") and static[1].audience is None
    assert named_target(settings, "open") == ("http://127.0.0.1:8081", None)
    assert named_target(settings, "http://127.0.0.1:8081") is None  # a URL is not a name


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('token_source = "env"\n', "url"),
        ('url = "http://127.0.0.1:1"\ntoken_source = "env"\n', "needs token_env"),
        ('url = "http://127.0.0.1:1"\ntoken_source = "client-credentials"\nclient_id = "a"\n',
         "needs token_url"),
        ('url = "http://127.0.0.1:1"\ntoken_source = "env"\ntoken_env = "T"\nclient_secret_env = "S"\n',
         "client_secret_env does not go with token_source 'env'"),
        (f'url = "http://127.0.0.1:1"\n{CC}client_id = "a"\ntoken_env = "T"\n', "token_env does not go with"),
        ('url = "http://127.0.0.1:1"\ntoken_env = "T"\n', "token_env does not go with token_source None"),
        ('url = "http://127.0.0.1:1"\ntoken_source = "kerberos"\n', "token_source"),
        ('url = "http://127.0.0.1:1"\ntoken_source = "env"\ntoken_env = "ghp_abc-def.123"\n', "token_env"),
        ('url = "http://127.0.0.1:1"\nclient_secret = "hunter2"\n', "client_secret"),  # a value: no such key
        ('url = "https://api.example.test"\naudience = "https://other.example.test/"\n', "another host"),
        ('url = "https://api.example.test"\naudience = "https://API.example.test:8443/x"\n', None),
        ('url = "https://api.example.test"\naudience = "urn:example:api"\n', None),
    ],
)  # fmt: skip
def test_target_settings_are_checked(tmp_path: Path, body: str, match: str | None) -> None:
    if match is None:
        assert _settings(tmp_path, "[targets.t]\n" + body).targets["t"].url
        return
    with pytest.raises(ConfigError, match=match):
        _settings(tmp_path, "[targets.t]\n" + body)


@pytest.mark.parametrize("name", ["has space", "a/b", "ü", "-lead"])
def test_target_names_are_plain(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="not a target name"):
        _settings(tmp_path, f'[targets."{name}"]\nurl = "http://127.0.0.1:1"\n')


def test_the_readme_configs_load(tmp_path: Path) -> None:
    """Each source's copyable config in the README is a valid [targets.NAME]."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Targets with their own identity", 1)[1].split("\n### ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```toml\n")[1:]]
    named = {b.split('token_source = "', 1)[1].split('"', 1)[0] for b in blocks}
    assert named == set(SOURCES), "a source without a copyable config in the README"
    for block in blocks:
        targets = _settings(tmp_path, block).targets
        assert len(targets) == 1
        assert next(iter(targets.values())).token_source in SOURCES
