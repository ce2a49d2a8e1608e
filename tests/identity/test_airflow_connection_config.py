"""``[targets.NAME]`` with ``token_source = "airflow-connection"``: its keys, and the ``[airflow]``
sign-in it is handed (the log source's), checked before any Airflow is asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from agent.config import load_settings
from agent.errors import ConfigError
from agent.identity.airflow_connection import AirflowConnection
from agent.wiring import named_target

HEAD = '[targets.api]\nurl = "http://127.0.0.1:1"\ntoken_source = "airflow-connection"\n'


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("", "needs airflow_conn_id"),
        ('airflow_conn_id = "a b"\n', "airflow_conn_id"),
        ('airflow_conn_id = "x"\ntoken_url = "https://idp.test/t"\n', "token_url does not go"),
        ('airflow_conn_id = "x"\nclient_id = "c"\n', "client_id does not go with"),
        ('airflow_conn_id = "x"\nclient_secret_env = "not a name"\n', "client_secret_env"),
    ],
)
def test_bad_keys_are_refused(body: str, match: str, tmp_path: Path) -> None:
    (tmp_path / "postwright.toml").write_text(HEAD + body)
    with pytest.raises(ConfigError, match=match):
        load_settings(cwd=tmp_path)


def test_the_source_gets_the_airflow_sign_in_and_local_key_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def opened(self: AirflowConnection, airflow_conn_id: str, **options: object) -> None:
        seen.update(options, conn_id=airflow_conn_id)
        self.conn_id, self.kind, self.scopes = airflow_conn_id, "client-credentials", ()

    monkeypatch.setattr(AirflowConnection, "__init__", opened)
    monkeypatch.setenv("POSTWRIGHT_AIRFLOW__PASSWORD", "pw-" + tmp_path.name)
    (tmp_path / "postwright.toml").write_text(
        '[airflow]\nurl = "http://127.0.0.1:8080/api/v2"\nusername = "admin"\n\n'
        + HEAD
        + 'airflow_conn_id = "pw_api"\nprivate_key_file = "keys/ci.pem"\n'
    )
    target = named_target(load_settings(cwd=tmp_path), "api")
    assert target is not None and target[0] == "http://127.0.0.1:1"
    airflow = seen["airflow"]
    assert seen["conn_id"] == "pw_api" and seen["private_key_file"] == tmp_path / "keys/ci.pem"
    assert getattr(airflow, "username", None) == "admin"
    assert getattr(airflow, "password", None) == SecretStr("pw-" + tmp_path.name)
    (tmp_path / "postwright.toml").write_text(HEAD + 'airflow_conn_id = "pw_api"\n')
    seen.clear()
    named_target(load_settings(cwd=tmp_path), "api")
    assert seen["airflow"] is None  # no [airflow]: only a task's SDK can read the Connection
