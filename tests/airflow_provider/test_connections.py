"""The two connection types → postwright's environment: secrets only in their own variables (masked,
never in argv or the target description); a Connection that cannot work is one line naming no secret."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from agent.config import load_settings
from tests.airflow_provider.provider_modules import load

conns = load("connections")


def _fields(**values: Any) -> Any:
    return conns.Fields(conn_id="api_target", **values)


def _secret() -> str:
    return "pw" + secrets.token_urlsafe(24)  # made at test time: no secret-shaped literal in the repo


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"host": "http://127.0.0.1:8000/"}, "http://127.0.0.1:8000"),
        ({"host": "api.example.test", "port": 8443}, "https://api.example.test:8443"),
        ({"host": "api.example.test", "schema": "http"}, "http://api.example.test"),
    ],
)
def test_the_targets_url_comes_from_the_host(fields: dict[str, Any], expected: str) -> None:
    token = _secret()
    env = conns.target_env(_fields(password=token, **fields))
    target = json.loads(env.variables["POSTWRIGHT_TARGETS"])[conns.TARGET]
    assert target == {"url": expected, "token_source": "env", "token_env": conns.TOKEN_ENV}
    assert env.variables[conns.TOKEN_ENV] == token and env.secrets == [token]


@pytest.mark.parametrize("scopes", ["read write", ["read", "write"]])
def test_client_credentials_pass_the_secret_by_name_with_audience_and_scopes(scopes: Any) -> None:
    secret = _secret()
    extra = {"auth_url": "http://127.0.0.1:9/token", "audience": "orders", "scopes": scopes}
    env = conns.target_env(
        _fields(host="http://127.0.0.1:8000", login="nightly", password=secret, extra=json.dumps(extra))
    )
    described = env.variables["POSTWRIGHT_TARGETS"]
    assert secret not in described
    assert json.loads(described)[conns.TARGET] == {
        "url": "http://127.0.0.1:8000",
        "token_source": "client-credentials",
        "token_url": "http://127.0.0.1:9/token",
        "client_id": "nightly",
        "client_secret_env": conns.SECRET_ENV,
        "audience": "orders",
        "scopes": ["read", "write"],
    }
    assert env.secrets == [secret] and env.variables[conns.SECRET_ENV] == secret


def test_a_target_without_a_token() -> None:
    env = conns.target_env(_fields(host="http://127.0.0.1:8000", extra='{"source": "none"}'))
    assert json.loads(env.variables["POSTWRIGHT_TARGETS"])[conns.TARGET] == {"url": "http://127.0.0.1:8000"}
    assert env.secrets == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "set the host to the target's URL"),
        ({"host": "http://127.0.0.1:1"}, "source 'static' needs the token as password"),
        ({"host": "http://127.0.0.1:1", "extra": '{"source": "kerberos"}'}, "must be one of static"),
        ({"host": "http://127.0.0.1:1", "extra": "{not json"}, "extra is not JSON"),
        ({"host": "http://127.0.0.1:1", "extra": "[1]"}, "extra is not a JSON object"),
        (
            {"host": "h", "login": "c", "extra": '{"auth_url": "http://127.0.0.1:9"}'},
            "client-credentials needs",
        ),
    ],
)
def test_a_target_connection_that_cannot_work_is_one_line(fields: dict[str, Any], expected: str) -> None:
    with pytest.raises(conns.ConnectionProblem) as info:
        conns.target_env(_fields(**fields))
    message = str(info.value)
    assert len(message.splitlines()) == 1 and "'api_target'" in message and expected in message


def test_the_postwright_connection_is_the_airflow_login_the_venv_and_the_store() -> None:
    password, database = _secret(), _secret()
    extra = {"venv": "/opt/postwright", "state_url": f"postgresql://pw:{database}@127.0.0.1/pw"}
    fields = conns.Fields(
        conn_id="postwright_default",
        host="http://127.0.0.1:8080",
        login="reader",
        password=password,
        extra=json.dumps(extra),
    )
    env, venv = conns.postwright_env(fields)
    assert venv == "/opt/postwright"
    assert env.variables == {
        "POSTWRIGHT_AIRFLOW__URL": "http://127.0.0.1:8080",
        "POSTWRIGHT_AIRFLOW__USERNAME": "reader",
        "POSTWRIGHT_AIRFLOW__PASSWORD": password,
        "POSTWRIGHT_STATE_URL": extra["state_url"],
    }
    assert env.secrets == [password, extra["state_url"]]
    assert conns.postwright_env(conns.Fields(conn_id="bare")) == (conns.ChildEnv(), None)


@pytest.mark.parametrize("shape", ["plain", "padded"])
def test_the_publish_token_reaches_postwright_by_name_only(
    shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _secret()
    given = token if shape == "plain" else f" {token}\n"
    fields = conns.Fields(conn_id="postwright_default", extra=json.dumps({"publish_token": given}))
    env, _ = conns.postwright_env(fields)
    assert env.variables == {
        conns.PUBLISH_TOKEN_ENV: token,
        "POSTWRIGHT_PUBLISH__TOKEN_ENV": conns.PUBLISH_TOKEN_ENV,
    }
    assert env.secrets == [token]
    # postwright reads it: the environment's token_env outranks the file's (or GITHUB_TOKEN's default)
    config = tmp_path / "postwright.toml"
    config.write_text('[publish]\nhost = "github"\nrepo = "acme/tests"\ntoken_env = "OTHER"\n')
    for name, value in env.variables.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(config, cwd=tmp_path)
    assert settings.publish.token_env == conns.PUBLISH_TOKEN_ENV


@pytest.mark.parametrize("token", ["", "  ", None])
def test_no_publish_token_sets_nothing(token: Any) -> None:
    env, _ = conns.postwright_env(conns.Fields(conn_id="c", extra=json.dumps({"publish_token": token})))
    assert env == conns.ChildEnv()


@pytest.mark.parametrize("token", [123, ["a"], {"t": "x"}])
def test_a_publish_token_that_is_no_string_is_one_line(token: Any) -> None:
    with pytest.raises(conns.ConnectionProblem) as info:
        conns.postwright_env(conns.Fields(conn_id="c", extra=json.dumps({"publish_token": token})))
    assert str(info.value) == "connection 'c': extra 'publish_token' must be a string"


def test_scrub_replaces_every_secret_longest_first() -> None:
    short, long = _secret(), _secret()
    long = short + long  # one secret contains the other
    assert conns.scrub(f"a {long} b {short} c", [short, long, ""]) == "a *** b *** c"
