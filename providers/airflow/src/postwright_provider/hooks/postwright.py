"""Hooks of the connection types ``postwright`` (how to run it) and ``postwright_target`` (what to check)."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from postwright_provider.connections import ChildEnv, Fields, postwright_env, target_env


def _fields(conn_id: str) -> Fields:
    """The Connection from Airflow (its store or the secrets backend); its password masked at once."""
    conn = BaseHook.get_connection(conn_id)
    if conn.password:
        mask_secret(conn.password)
    return Fields(
        conn_id=conn_id,
        host=conn.host,
        login=conn.login,
        password=conn.password,
        extra=conn.extra,
        schema=conn.schema,
        port=conn.port,
    )


def _masked(env: ChildEnv) -> ChildEnv:
    for value in env.secrets:
        mask_secret(value)
    return env


class PostwrightHook(BaseHook):
    """Connection type ``postwright``: postwright's venv (extra ``venv``), the Airflow it reads task
    logs from (host) as which user (login, password), an optional shared store (extra ``state_url``)
    and the git host's token for ``[publish] host = "github" | "gitlab"`` (extra ``publish_token``)."""

    conn_name_attr = "postwright_conn_id"
    default_conn_name = "postwright_default"
    conn_type = "postwright"
    hook_name = "postwright"

    def __init__(self, postwright_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.postwright_conn_id = postwright_conn_id

    def environment(self) -> tuple[ChildEnv, str | None]:
        """The child's variables (secrets masked) and postwright's venv."""
        env, venv = postwright_env(_fields(self.postwright_conn_id))
        return _masked(env), venv

    def get_conn(self) -> tuple[ChildEnv, str | None]:
        return self.environment()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["schema", "port"],
            "relabeling": {
                "host": "Airflow URL (logs)",
                "login": "Airflow user",
                "password": "Airflow password",
            },
            "placeholders": {
                "extra": '{"venv": "/opt/postwright", "state_url": "postgresql://…", "publish_token": "…"}'
            },
        }


class PostwrightTargetHook(BaseHook):
    """Connection type ``postwright_target``: the API's URL (host), its token source (extra ``source``:
    static | client-credentials | none; ``auth_url``), ``audience`` and ``scopes``."""

    conn_name_attr = "target_conn_id"
    default_conn_name = "postwright_target_default"
    conn_type = "postwright_target"
    hook_name = "postwright target"

    def __init__(self, target_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_conn_id = target_conn_id

    def environment(self) -> ChildEnv:
        """The target for postwright (``[targets.airflow]`` through the environment), secrets masked."""
        return _masked(target_env(_fields(self.target_conn_id)))

    def get_conn(self) -> ChildEnv:
        return self.environment()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": [],
            "relabeling": {"host": "Target URL", "login": "Client id", "password": "Token or client secret"},
            "placeholders": {
                "extra": '{"source": "static | client-credentials | none", "auth_url": "…",'
                ' "audience": "…", "scopes": ["read"]}'
            },
        }
