"""AirflowSource failure modes against a real Airflow 3: auth, missing DAGs, the API going away."""

from __future__ import annotations

import time

import jwt
import pytest

from agent.errors import ConfigError, SourceUnreachable
from agent.sources.airflow import AirflowSource
from tests.airflow.conftest import DictStore
from tests.airflow.session import AirflowEnv

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(900)]


def _expired(env: AirflowEnv) -> str:
    """A token Airflow itself could have issued, but a day old."""
    real = env.airflow.token()
    header = jwt.get_unverified_header(real)
    claims = jwt.decode(real, options={"verify_signature": False})
    now = int(time.time())
    claims.update(iat=now - 90_000, nbf=now - 90_000, exp=now - 3_600)
    return jwt.encode(claims, env.airflow.jwt_secret, algorithm=header["alg"], headers=header)


def test_wrong_password_names_the_setting(airflow_env: AirflowEnv) -> None:
    source = AirflowSource(airflow_env.settings(password="not-the-password", dag_ids=["pw_orders_sync"]))
    with pytest.raises(ConfigError) as info:
        next(source.logs())
    message = str(info.value)
    assert "POSTWRIGHT_AIRFLOW__PASSWORD" in message and "\n" not in message
    assert "not-the-password" not in message


def test_bad_token_names_the_setting(airflow_env: AirflowEnv) -> None:
    source = AirflowSource(
        airflow_env.settings(username=None, password=None, token="x.y.z", dag_ids=["pw_*"])
    )
    with pytest.raises(ConfigError, match="POSTWRIGHT_AIRFLOW__TOKEN"):
        next(source.logs())


def test_expired_preissued_token_is_a_config_error(airflow_env: AirflowEnv) -> None:
    settings = airflow_env.settings(username=None, password=None, token=_expired(airflow_env))
    with pytest.raises(ConfigError, match="POSTWRIGHT_AIRFLOW__TOKEN"):
        next(AirflowSource(settings.model_copy(update={"dag_ids": ["pw_orders_sync"]})).logs())


def test_expired_session_token_is_renewed_from_credentials(airflow_env: AirflowEnv) -> None:
    source = AirflowSource(airflow_env.settings(dag_ids=["pw_mapped_pets"]))
    source.api.config.access_token = _expired(airflow_env)  # as if the nightly run took a day
    logs = [(log.provenance.map_index, "".join(log.chunks)) for log in source.logs()]
    assert [index for index, _ in logs] == [1]
    assert source.api.config.access_token != _expired(airflow_env)


def test_nonexistent_dag_is_a_config_error(airflow_env: AirflowEnv) -> None:
    source = AirflowSource(airflow_env.settings(dag_ids=["pw_no_such_dag"]))
    with pytest.raises(ConfigError, match="pw_no_such_dag.*POSTWRIGHT_AIRFLOW__DAG_IDS"):
        next(source.logs())


def test_pattern_matching_nothing_reads_nothing(airflow_env: AirflowEnv) -> None:
    assert list(AirflowSource(airflow_env.settings(dag_ids=["nothing_like_this_*"])).logs()) == []


def test_api_stopped_mid_run_fails_clearly_and_keeps_the_watermark(
    airflow_env: AirflowEnv, store: DictStore
) -> None:
    settings = airflow_env.settings(
        dag_ids=["pw_orders_sync"], max_workers=1, retries=1, backoff=0.1, timeout=5
    )
    logs = AirflowSource(settings, store).logs()
    first = next(logs)
    "".join(first.chunks)
    airflow_env.airflow.stop_component("api-server")
    try:
        with pytest.raises(SourceUnreachable, match="unreachable|broke off") as info:
            for log in logs:
                "".join(log.chunks)
        assert "\n" not in str(info.value)
        assert store.marks == {}
    finally:
        airflow_env.airflow.start_component("api-server")
        airflow_env.airflow.wait_healthy()
    again = [
        log.provenance.try_number for log in AirflowSource(settings, store).logs() if "".join(log.chunks)
    ]
    assert len(again) == 6
    assert len(store.marks) == 1
