"""Token source ``airflow-connection`` against a real Airflow 3 (``tests/airflow``) and the real OpenID
provider: Connections made through Airflow's REST API, ``verify --target`` with them, what the REST
API hides (the password; extra values under sensitive keys), one-line failures, no canary anywhere."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.cli.main import main
from agent.identity.airflow_connection import AirflowConnection
from agent.identity.sources import open_source
from tests.airflow.airflow_harness import REPO
from tests.airflow.session import AirflowEnv
from tests.identity.oidc_kit import Clients, Provider, ResourceServer, free_port
from tests.identity.test_verify_targets import Project, _no_canary, _target, scratch  # noqa: F401
from tests.runner.conftest import sandbox_dir  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.airflow, pytest.mark.sandbox, pytest.mark.timeout(900)]


class Connections:
    """Connections created through Airflow's REST API for one test; deleted after it."""

    def __init__(self, env: AirflowEnv) -> None:
        self.airflow = env.airflow
        self.made: list[str] = []

    def make(
        self, conn_type: str = "client-credentials", extra: dict[str, Any] | None = None, **fields: Any
    ) -> str:
        conn_id = "pw_conn_" + secrets.token_hex(4)
        body = {"connection_id": conn_id, "conn_type": conn_type, **fields}
        if extra is not None:
            body["extra"] = json.dumps(extra)
        answer = self.airflow.api("POST", "/connections", json=body)
        assert answer.status_code == 201, answer.text
        self.made.append(conn_id)
        return conn_id

    def read(self, conn_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.airflow.api("GET", f"/connections/{conn_id}").json()
        return answer


@pytest.fixture
def connections(airflow_env: AirflowEnv) -> Iterator[Connections]:
    made = Connections(airflow_env)
    yield made
    for conn_id in made.made:
        airflow_env.airflow.api("DELETE", f"/connections/{conn_id}")


@pytest.fixture
def airflow_login(airflow_env: AirflowEnv, monkeypatch: pytest.MonkeyPatch) -> str:
    """``[airflow]`` for the project: the password in the environment, never in the file."""
    monkeypatch.setenv("POSTWRIGHT_AIRFLOW__PASSWORD", airflow_env.airflow.password)
    return f'[airflow]\nurl = "{airflow_env.airflow.url}"\nusername = "admin"\n\n'


def _keys(conn_id: str, *local: str) -> str:
    return f'token_source = "airflow-connection"\nairflow_conn_id = "{conn_id}"\n' + "".join(
        f"{line}\n" for line in local
    )


def _audit_rows(project: Project) -> list[dict[str, Any]]:
    """``postwright audit --json`` in the project."""
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(project.root / "postwright.toml"), "audit", "--json"])
    out, err = project.capsys.readouterr()
    project.console += [out, err]
    assert exit_info.value.code in (0, None), err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def _canaries(env: AirflowEnv, clients: Clients, server: ResourceServer, *more: str) -> list[str]:
    return [*clients.canaries(), env.airflow.password, *server.seen, *more]


@pytest.mark.parametrize("variant", ["private_key_jwt", "client_secret_env", "source_in_extra"])
def test_verify_passes_with_a_connection_read_through_the_rest_api(
    variant: str,
    airflow_env: AirflowEnv,
    connections: Connections,
    airflow_login: str,
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    scratch: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    stored = "cp" + secrets.token_urlsafe(24)  # the Connection's password: Airflow keeps it, never sends it
    if variant == "client_secret_env":  # the secret client; its secret stays in this machine's environment
        conn_id = connections.make(host=provider.token_url, login=client_env.secret_id, password=stored)
        local = ['client_secret_env = "PW_IDP_SECRET"']
    else:  # the private_key_jwt client; its key file stays beside postwright
        conn_type, extra = (
            ("generic", {"source": "client-credentials", "audience_param": "resource"})
            if variant == "source_in_extra"
            else ("client-credentials", None)
        )
        conn_id = connections.make(
            conn_type, extra, host=provider.token_url, login=client_env.jwt_id, password=stored
        )
        local = [f'private_key_file = "{client_env.key_file}"']
    targets = airflow_login + _target("api", server, _keys(conn_id, *local))
    project = Project(tmp_path, sandbox_dir, targets, capsys)
    assert project.verify("api", "--runs", "2") == 0, project.console
    assert len(server.accepted) == 2 and server.refused == []
    rows = _audit_rows(project)  # the audit names the source and the Connection's login
    client = client_env.secret_id if variant == "client_secret_env" else client_env.jwt_id
    assert rows and all((r["source"], r["client_id"]) == ("airflow-connection", client) for r in rows)
    state = Path.home()  # the state DB (tests/conftest.py puts it under this test's HOME)
    _no_canary(_canaries(airflow_env, client_env, server, stored), project.console, tmp_path, scratch, state)


def test_the_rest_api_hides_the_password_and_the_error_says_what_to_do(
    airflow_env: AirflowEnv,
    connections: Connections,
    airflow_login: str,
    provider: Provider,
    client_env: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    conn_id = connections.make(
        host=provider.token_url,
        login=client_env.secret_id,
        password=client_env.secret,
        extra={"token_url": provider.token_url, "source": "client-credentials", "scopes": "read"},
    )
    # What Airflow 3.3.2 really returns: '***' for the password and for extra keys naming a token
    read = connections.read(conn_id)
    assert read["password"] == "***" and read["host"] == provider.token_url
    assert json.loads(read["extra"]) == {"token_url": "***", "source": "client-credentials", "scopes": "read"}
    project = Project(tmp_path, sandbox_dir, airflow_login + _target("api", server, _keys(conn_id)), capsys)
    assert project.verify("api") == 2
    err = project.console[-1].strip()
    assert len(err.splitlines()) == 1 and "hid extra 'token_url'" in err and "host" in err, err
    bare = connections.make(host=provider.token_url, login=client_env.secret_id, password=client_env.secret)
    project.root.joinpath("postwright.toml").write_text(
        project.root.joinpath("postwright.toml").read_text().replace(conn_id, bare)
    )
    assert project.verify("api") == 2
    err = project.console[-1].strip()
    assert len(err.splitlines()) == 1, err
    assert "the REST API does not return passwords" in err and "inside an Airflow task" in err, err
    assert server.seen == []
    _no_canary(_canaries(airflow_env, client_env, server), project.console, tmp_path, Path.home())


def test_the_source_names_its_client_for_the_audit(
    airflow_env: AirflowEnv,
    connections: Connections,
    provider: Provider,
    clients: Clients,
    api: Callable[..., ResourceServer],
) -> None:
    server = api()
    conn_id = connections.make(host=provider.token_url, login=clients.jwt_id)
    source = open_source(
        "airflow-connection",
        airflow_conn_id=conn_id,
        airflow=airflow_env.settings(),
        private_key_file=clients.key_file,
    )
    assert isinstance(source, AirflowConnection) and source.client_id == clients.jwt_id
    issued = source.token(server.audience, ())
    assert issued.subject == clients.jwt_id and server.audience in issued.audience
    assert clients.key_file.name not in repr(source)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing", "has no such connection"),
        ("down", "unreachable"),
        ("wrong-login", "rejected user 'admin'"),
        ("unknown-source", "extra 'source' names no token source ('kerberos')"),
        ("unknown-conn-type", "conn_type names no token source ('http')"),
        ("itself", "cannot name 'airflow-connection' itself"),
        ("unknown-option", "extra 'colour' is not an option of token source 'client-credentials'"),
        ("scopes", "extra 'scopes' must be a list of strings"),
    ],
)
def test_failures_are_one_line_exit_2(
    case: str,
    expected: str,
    airflow_env: AirflowEnv,
    connections: Connections,
    airflow_login: str,
    provider: Provider,
    clients: Clients,
    api: Callable[..., ResourceServer],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = api()
    extras: dict[str, tuple[str, dict[str, Any] | None]] = {
        "unknown-source": ("generic", {"source": "kerberos"}),
        "unknown-conn-type": ("http", {}),
        "itself": ("airflow-connection", None),
        "unknown-option": ("client-credentials", {"colour": "blue"}),
        "scopes": ("client-credentials", {"scopes": {"read": True}}),
    }
    conn_type, extra = extras.get(case, ("client-credentials", None))
    conn_id = connections.make(conn_type, extra, host=provider.token_url, login=clients.jwt_id)
    login = airflow_login
    if case == "missing":
        conn_id = "pw_conn_never_made"
    elif case == "down":
        login = login.replace(airflow_env.airflow.url, f"http://127.0.0.1:{free_port()}")
    elif case == "wrong-login":
        monkeypatch.setenv("POSTWRIGHT_AIRFLOW__PASSWORD", "wrong-" + airflow_env.airflow.password[:3])
    keys = _keys(conn_id, f'private_key_file = "{clients.key_file}"')
    project = Project(tmp_path, sandbox_dir, login + _target("api", server, keys), capsys)
    assert project.verify("api") == 2
    err = project.console[-1].strip()
    assert len(err.splitlines()) == 1 and "airflow-connection" in err and expected in err, err
    assert server.seen == []
    _no_canary(_canaries(airflow_env, clients, server), project.console, tmp_path, Path.home())


def test_inside_a_real_task_the_task_sdk_hands_over_the_password(
    airflow_env: AirflowEnv,
    connections: Connections,
    provider: Provider,
    clients: Clients,
    api: Callable[..., ResourceServer],
) -> None:
    server = api()
    conn_id = connections.make(host=provider.token_url, login=clients.secret_id, password=clients.secret)
    airflow = airflow_env.airflow
    airflow.wait_dags(["pw_identity_conn"])
    conf = {
        # postwright runs inside the task's own Python: its checkout and its venv's packages
        "paths": [str(REPO), *(p for p in sys.path if p.endswith("site-packages"))],
        "conn_id": conn_id,
        "api": server.url,
        "audience": server.audience,
    }
    run_id = airflow.trigger("pw_identity_conn", conf)
    state = airflow.wait_run("pw_identity_conn", run_id)
    log = airflow.api(
        "GET",
        f"/dags/pw_identity_conn/dagRuns/{run_id}/taskInstances/call_api/logs/1",
        params={"full_content": True},
        headers={"Accept": "application/json"},
    ).text
    assert state == "success", log[-3000:]
    assert f"pw-status 200 client {clients.secret_id}" in log
    assert len(server.accepted) == 1 and server.refused == []
    for canary in [*clients.canaries(), airflow.password, *server.seen]:
        assert canary not in log and canary[:12] not in log, "a secret reached the task's log"
