"""Token source ``airflow-connection`` inside an Airflow task: the Connection comes from the task SDK
(``airflow.sdk.BaseHook``, password included), here a stand-in module with the SDK's shape, while
the tokens come from the real OpenID provider; extra that is not JSON is one line, exit 2."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.identity.airflow_connection import AirflowConnection
from agent.identity.sources import open_source
from agent.identity.token import IdentityError
from tests.identity.oidc_kit import Clients, Provider, ResourceServer


@dataclass
class SdkConnection:
    """The attributes of ``airflow.sdk.Connection`` the source reads."""

    conn_id: str
    conn_type: str
    host: str | None = None
    login: str | None = None
    password: str | None = None
    extra: str | None = None


class NotFoundInTask(Exception):
    """What the SDK raises for an unknown conn_id (AirflowNotFoundException)."""


@pytest.fixture
def task_sdk(monkeypatch: pytest.MonkeyPatch) -> dict[str, SdkConnection]:
    """Stand in for ``airflow.sdk`` inside a task: Connections by id, as the supervisor gives them."""
    known: dict[str, SdkConnection] = {}

    class BaseHook:
        @classmethod
        def get_connection(cls, conn_id: str) -> SdkConnection:
            if conn_id not in known:
                raise NotFoundInTask(conn_id)
            return known[conn_id]

    airflow = types.ModuleType("airflow")
    sdk = types.ModuleType("airflow.sdk")
    sdk.BaseHook = BaseHook  # type: ignore[attr-defined]
    airflow.sdk = sdk  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "airflow", airflow)
    monkeypatch.setitem(sys.modules, "airflow.sdk", sdk)
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "pw_nightly")
    return known


@pytest.mark.parametrize("extra", [None, '{"source": "client-credentials", "scopes": []}'])
def test_in_a_task_the_connections_password_is_the_client_secret(
    extra: str | None,
    task_sdk: dict[str, SdkConnection],
    provider: Provider,
    clients: Clients,
    api: Callable[..., ResourceServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    conn_type = "client-credentials" if extra is None else "generic"
    task_sdk["pw_api"] = SdkConnection(
        "pw_api", conn_type, provider.token_url, clients.secret_id, clients.secret, extra
    )
    source = open_source("airflow-connection", airflow_conn_id="pw_api")  # no [airflow] needed
    assert isinstance(source, AirflowConnection) and source.client_id == clients.secret_id
    issued = source.token(server.audience, ())
    assert server.answer(f"Bearer {issued.value.get_secret_value()}")[0] == 200
    shown = repr(source) + repr(source.inner) + capsys.readouterr().out
    assert clients.secret not in shown and clients.secret[:12] not in shown


def test_outside_a_task_the_sdk_is_not_asked(
    task_sdk: dict[str, SdkConnection], monkeypatch: pytest.MonkeyPatch, clients: Clients, tmp_path: Path
) -> None:
    task_sdk["pw_api"] = SdkConnection("pw_api", "client-credentials", "http://127.0.0.1:9/token", "c", "s")
    monkeypatch.delenv("AIRFLOW_CTX_DAG_ID")
    with pytest.raises(IdentityError, match="no Airflow to read it from; set \\[airflow\\] url"):
        open_source("airflow-connection", airflow_conn_id="pw_api")


@pytest.mark.parametrize(
    ("conn", "expected"),
    [
        (SdkConnection("c", "client-credentials", extra="{not json"), "extra is not JSON"),
        (SdkConnection("c", "client-credentials", extra="[1, 2]"), "extra is not a JSON object"),
        (SdkConnection("c", "client-credentials", extra='{"token_source": "kerberos"}'), "('kerberos')"),
        (SdkConnection("c", "client-credentials", extra='{"client_secret": "x"}'), "Connection's password"),
        (SdkConnection("c", "client-credentials", "http://127.0.0.1:9/token", "c"), "has no password"),
        (SdkConnection("c", "env", extra='{"env_var": "X"}'), None),
        (None, "the task SDK could not read it (NotFoundInTask)"),
    ],
)
def test_task_sdk_connections_that_cannot_work_are_one_line(
    conn: SdkConnection | None, expected: str | None, task_sdk: dict[str, SdkConnection]
) -> None:
    if conn is not None:
        task_sdk["c"] = conn
    if expected is None:  # an env token named in extra: no secret needed
        assert open_source("airflow-connection", airflow_conn_id="c").name == "airflow-connection"
        return
    with pytest.raises(IdentityError) as info:
        open_source("airflow-connection", airflow_conn_id="c")
    message = str(info.value)
    assert len(message.splitlines()) == 1 and "airflow-connection" in message and expected in message
