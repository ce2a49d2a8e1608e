"""``[targets.NAME]`` with ``token_source = "aws-web-identity"``: its own keys only, each checked,
and ``wiring.named_target`` building the source (the token file relative to the project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import Settings, load_settings
from agent.errors import ConfigError
from agent.identity.aws_web_identity import AwsWebIdentity
from agent.runner.credentials import TargetToken
from agent.wiring import named_target

ARN = "arn:aws:iam::123456789012:role/api-tests"
AWS = (
    'url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"\ntoken_source = "aws-web-identity"\n'
    f'role_arn = "{ARN}"\nweb_identity_token_file = "tokens/web-identity"\nregion = "eu-west-1"\n'
)


def _settings(tmp_path: Path, body: str) -> Settings:
    (tmp_path / "postwright.toml").write_text("[targets.t]\n" + body)
    return load_settings(cwd=tmp_path)


def test_the_source_is_built_with_its_options(tmp_path: Path) -> None:
    extra = 'role_session_name = "ci-api-tests"\nduration_seconds = 1800\nservice = "lambda"\n'
    extra += 'sts_endpoint_url = "https://sts.eu-west-1.amazonaws.com"\n'
    built = named_target(_settings(tmp_path, AWS + extra), "t")
    assert built is not None and isinstance(built[1], TargetToken)
    source = built[1].cache.source
    assert isinstance(source, AwsWebIdentity)
    assert source.web_identity_token_file == tmp_path / "tokens/web-identity"
    assert (source.role_arn, source.region, source.service) == (ARN, "eu-west-1", "lambda")
    assert (source.role_session_name, source.duration_seconds) == ("ci-api-tests", 1800)
    assert source.sts_endpoint_url == "https://sts.eu-west-1.amazonaws.com" and source.client_id == ARN
    defaults = named_target(_settings(tmp_path, AWS), "t")
    assert defaults is not None and isinstance(defaults[1], TargetToken)
    plain = defaults[1].cache.source
    assert isinstance(plain, AwsWebIdentity)
    assert (plain.service, plain.duration_seconds, plain.sts_endpoint_url) == ("execute-api", 3600, None)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda b: b.replace(f'role_arn = "{ARN}"\n', ""), "needs role_arn"),
        (lambda b: b.replace('region = "eu-west-1"\n', ""), "needs region"),
        (lambda b: b.replace('web_identity_token_file = "tokens/web-identity"\n', ""), "needs web_identity"),
        (lambda b: b.replace(ARN, "arn:aws:iam::123456789012:user/someone"), "role_arn"),
        (lambda b: b.replace(ARN, "api-tests"), "role_arn"),
        (lambda b: b.replace('"eu-west-1"', '"Europe"'), "region"),
        (lambda b: b + "duration_seconds = 600\n", "duration_seconds"),
        (lambda b: b + "duration_seconds = 86400\n", "duration_seconds"),
        (lambda b: b + 'role_session_name = "a b"\n', "role_session_name"),
        (lambda b: b + 'scopes = ["read"]\n', "scopes do not go with token_source 'aws-web-identity'"),
        (lambda b: b + 'token_env = "T"\n', "token_env does not go with token_source 'aws-web-identity'"),
        (lambda b: b + 'client_secret_env = "S"\n', "client_secret_env does not go with"),
        (lambda b: b + 'aws_secret_access_key = "x"\n', "aws_secret_access_key"),  # a value: no such key
        (lambda b: b.replace('"aws-web-identity"', '"env"') + 'token_env = "T"\n', "does not go with"),
    ],
)  # fmt: skip
def test_bad_settings_are_one_line_config_errors(tmp_path: Path, change: object, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        _settings(tmp_path, change(AWS))  # type: ignore[operator]


def test_the_readme_config_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("#### Source: aws-web-identity", 1)[1].split("\n#### ", 1)[0].split("\n### ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```toml\n")[1:]]
    assert len(blocks) == 1
    (tmp_path / "postwright.toml").write_text(blocks[0])
    built = named_target(load_settings(cwd=tmp_path), "orders")
    assert built is not None and isinstance(built[1], TargetToken)
    assert isinstance(built[1].cache.source, AwsWebIdentity)
