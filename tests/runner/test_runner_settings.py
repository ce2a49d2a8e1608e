"""Target credentials from settings ([sandbox] env var names) and from `postwright verify` flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli.main import main
from agent.config import load_settings
from agent.errors import ConfigError
from agent.identity.client_credentials import ClientCredentials
from agent.identity.env import EnvToken
from agent.runner import NewmanRunner, TargetToken
from agent.wiring import runner
from tests.runner.runner_helpers import collection, item


def _settings(tmp_path: Path, body: str):
    (tmp_path / "postwright.toml").write_text(body)
    return load_settings(cwd=tmp_path)


def test_settings_wire_oauth2_and_static_tokens(tmp_path: Path, sandbox_dir: Path) -> None:
    base = f'[sandbox]\ndir = "{sandbox_dir}"\ntarget = "https://api.example.test/v1"\n'
    oauth = (
        'oauth2_token_url = "https://idp.example.test/token"\n'
        'oauth2_client_id_env = "API_CLIENT_ID"\noauth2_client_secret_env = "API_CLIENT_SECRET"\n'
        'oauth2_scope = "read"\nca_certs = "ca.pem"\n'
    )
    made = runner(_settings(tmp_path, base + oauth))
    assert isinstance(made, NewmanRunner) and isinstance(made.credentials, TargetToken)
    source = made.credentials.cache.source
    assert isinstance(source, ClientCredentials) and source.client_id_env == "API_CLIENT_ID"
    assert made.credentials.scopes == ("read",)
    assert made.target == "https://api.example.test/v1" and made.extra_ca_certs == tmp_path / "ca.pem"
    made = runner(_settings(tmp_path, base + 'token_env = "API_TOKEN"\n'))
    assert isinstance(made, NewmanRunner) and isinstance(made.credentials, TargetToken)
    assert made.credentials.cache.source == EnvToken("API_TOKEN")
    assert runner(_settings(tmp_path, base)).credentials is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('oauth2_token_url = "https://idp/token"\n', "go together"),
        ('token_env = "T"\noauth2_token_url = "u"\n'
         'oauth2_client_id_env = "I"\noauth2_client_secret_env = "S"\n', "not both"),
        ('token_env = "ghp_abc-def.123"\n', "sandbox.token_env"),  # a value, not a variable name
    ],
)  # fmt: skip
def test_bad_credential_settings(tmp_path: Path, body: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        _settings(tmp_path, "[sandbox]\n" + body)


def test_verify_credential_flags_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    coll = tmp_path / "c.json"
    coll.write_text(json.dumps(collection(item("pw-a", "{{baseUrl}}/x", "pm.test('x', () => {});"))))
    spec = str(Path(__file__).resolve().parents[2] / "agent/examples/demo/specs/petstore-v2.yaml")
    cases = [
        (["--spec", spec, "--token-env", "T"], "only make sense with --target"),
        (["--target", "http://127.0.0.1:9", "--oauth2-token-url", "http://127.0.0.1:9/t"], "OAuth2 needs"),
        (["--target", "http://127.0.0.1:9", "--token-env", "T", "--oauth2-token-url", "u",
          "--oauth2-client-id-env", "I", "--oauth2-client-secret-env", "S"], "not both"),
        (["--target", "ftp://127.0.0.1:9"], "http or https"),
        (["--target", "nosuchname"], "or a target named in [targets.NAME]"),  # neither a URL nor a name
        (["--target", "http://127.0.0.1:9", "--ca-certs", str(tmp_path / "none.pem")], "not a file"),
    ]  # fmt: skip
    for extra, message in cases:
        with pytest.raises(SystemExit) as exit_info:
            main(["verify", str(coll), *extra])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and message in err, (extra, err)
