"""Token source ``airflow-connection``: another source configured in an Airflow Connection.

The Connection is read once, when the target is opened: inside an Airflow task through the task
SDK (``airflow.sdk.BaseHook``, imported only if it is there), else through Airflow's REST API
with apache-airflow-client, signed in as the Airflow log source is (``[airflow]``). Its fields:
``conn_type`` (or extra ``source``) names the inner source, ``host`` is its ``token_url``,
``login`` the client id, ``password`` the client secret, and the other extra keys are the inner
source's own options (``scopes``: asked for when the target names none). The inner source is
opened with ``open_source`` and gives the tokens.

Airflow's REST API never returns a password: 3.3.2 sends ``***`` for it and for every extra
value whose key contains a sensitive word (``token``, ``secret``, ``password``,
``private_key``, ...; ``[core] hide_sensitive_var_conn_fields``). Read that way, the client
proves itself with a means kept beside postwright (the target's ``client_secret_env`` or
``private_key_file``); only the task SDK hands the password over.
"""

from __future__ import annotations

import inspect
import json
import os
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from agent.errors import ConfigError, PostwrightError
from agent.identity.sources import SOURCES, open_source
from agent.identity.token import AccessToken, IdentityError

if TYPE_CHECKING:
    from agent.ports import TokenSource
    from agent.sources.airflow import AirflowSettings

NAME = "airflow-connection"
HIDDEN = "***"  # what Airflow's REST API sends instead of a value it hides
IN_TASK = "AIRFLOW_CTX_DAG_ID"  # set by Airflow's task runner in the task's process
FIELDS = {"host": "token_url", "login": "client_id"}  # Connection field -> the inner source's option
LOCAL = ("client_secret_env", "private_key_file")  # the client's own proof, kept beside postwright


@dataclass(frozen=True)
class _Fields:
    """The Connection fields this source reads; the password is never shown in a repr."""

    conn_type: str
    host: str | None
    login: str | None
    password: SecretStr | None
    extra: str | None
    via: str  # "the REST API" or "the task SDK"


class AirflowConnection:
    """The tokens of the source a Connection describes; ``client_id`` (for the audit) is its login."""

    name = NAME

    def __init__(
        self,
        airflow_conn_id: str,
        *,
        airflow: AirflowSettings | None = None,
        client_secret_env: str | None = None,
        private_key_file: Path | None = None,
    ) -> None:
        self.conn_id = airflow_conn_id
        local = {"client_secret_env": client_secret_env, "private_key_file": private_key_file}
        fields = _read(airflow_conn_id, airflow)
        self.kind, options, self.scopes = _inner_options(
            fields, _where(airflow_conn_id), {k: v for k, v in local.items() if v is not None}
        )
        self.inner: TokenSource = open_source(self.kind, **options)
        self.client_id: str | None = getattr(self.inner, "client_id", None) or fields.login

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        return self.inner.token(audience, scopes or self.scopes)

    def __repr__(self) -> str:
        return f"AirflowConnection(conn_id={self.conn_id!r}, source={self.kind!r})"


def _read(conn_id: str, airflow: AirflowSettings | None) -> _Fields:
    """The Connection from the task SDK inside a task, else from the REST API."""
    sdk_failed = None
    if os.environ.get(IN_TASK):
        fields, sdk_failed = _from_task_sdk(conn_id)
        if fields is not None:
            return fields
    if airflow is None:
        why = f"the task SDK could not read it ({sdk_failed})" if sdk_failed else "no Airflow to read it from"
        raise IdentityError(
            f"{_where(conn_id)}: {why}; set [airflow] url (and its credentials) or run inside an Airflow task"
        )
    return _from_rest(conn_id, airflow)


def _from_task_sdk(conn_id: str) -> tuple[_Fields | None, str | None]:
    """The Connection as the running task sees it (password included), or why not."""
    try:
        from airflow.sdk import BaseHook  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None, None
    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception as exc:  # noqa: BLE001 - any SDK failure falls back to the REST API
        return None, type(exc).__name__
    password = conn.password
    return (
        _Fields(
            conn_type=str(conn.conn_type or ""),
            host=conn.host,
            login=conn.login,
            password=SecretStr(password) if password else None,
            extra=conn.extra,
            via="the task SDK",
        ),
        None,
    )


def _from_rest(conn_id: str, airflow: AirflowSettings) -> _Fields:
    """GET /api/v2/connections/{id} through the Airflow source's authenticated session."""
    from airflow_client.client import ConnectionApi

    from agent.sources.airflow_api import AirflowApi, NotFound

    try:
        api = AirflowApi(airflow)  # signs in: a refused user or a down Airflow fails here
    except PostwrightError as exc:
        raise IdentityError(f"{_where(conn_id)}: {exc}") from None
    get = partial(ConnectionApi(api.client).get_connection, conn_id, _request_timeout=airflow.timeout)
    try:
        conn = api.call(f"connection {conn_id!r}", get)
    except NotFound:
        raise IdentityError(
            f"{_where(conn_id)}: Airflow at {api.shown} has no such connection; check airflow_conn_id"
            " or create the Connection"
        ) from None
    except ConfigError as exc:  # signed in, but not allowed to read it
        raise IdentityError(
            f"{_where(conn_id)}: {exc.message}; check that the [airflow] user may read Connections"
        ) from None
    except PostwrightError as exc:  # unreachable, or a server error
        raise IdentityError(f"{_where(conn_id)}: {exc}") from None
    return _Fields(
        conn_type=conn.conn_type,
        host=conn.host,
        login=conn.login,
        password=SecretStr(conn.password) if conn.password else None,
        extra=conn.extra,
        via="the REST API",
    )


def _where(conn_id: str) -> str:
    return f"token source '{NAME}' (connection {conn_id!r})"


def _inner_options(
    fields: _Fields, where: str, local: dict[str, Any]
) -> tuple[str, dict[str, Any], tuple[str, ...]]:
    """The inner source's kind, its options and the default scopes, from the Connection."""
    extra = _extra(fields, where)
    kind = _kind(fields, extra, where)
    scopes = _scopes(extra.pop("scopes", None), where)
    takes = _parameters(kind)
    hidden = sorted(k for k, v in extra.items() if v == HIDDEN)
    if hidden:
        fix = "put the token URL in the Connection's host, " if "token_url" in hidden else ""
        raise IdentityError(
            f"{where}: {fields.via} hid extra {hidden[0]!r} (Airflow hides values whose key contains"
            f" token, secret, password, private_key, ...); {fix}run inside an Airflow task (the task"
            " SDK reads it), or keep it in [targets.NAME]"
        )
    if "client_secret" in extra:
        raise IdentityError(f"{where}: keep the client secret in the Connection's password, not in extra")
    unknown = sorted(set(extra) - set(takes))
    if unknown:
        raise IdentityError(
            f"{where}: extra {unknown[0]!r} is not an option of token source {kind!r}"
            f" (it takes {', '.join(sorted(takes)) or 'none'})"
        )
    options = {k: Path(v) if "Path" in takes[k] and isinstance(v, str) else v for k, v in extra.items()}
    for field, option in FIELDS.items():
        value = getattr(fields, field)
        if value and option in takes and option not in options and f"{option}_env" not in options:
            options[option] = value
    options.update(_proof(fields, where, kind, takes, local, options))
    return kind, options, scopes


def _proof(
    fields: _Fields,
    where: str,
    kind: str,
    takes: dict[str, str],
    local: dict[str, Any],
    options: dict[str, Any],
) -> dict[str, Any]:
    """How the client proves itself: the target's local means win, else the Connection's password."""
    if local:
        if not set(local) <= set(takes):
            raise IdentityError(f"{where}: token source {kind!r} takes no {sorted(local)[0]}")
        return local
    if "client_secret" not in takes or any(k in options for k in LOCAL):
        return {}
    password = fields.password.get_secret_value() if fields.password else ""
    if password == HIDDEN:
        raise IdentityError(
            f"{where}: the REST API does not return passwords (Airflow sent '***' for the client"
            " secret); run postwright inside an Airflow task (the task SDK reads it), or set"
            " private_key_file or client_secret_env in [targets.NAME]"
        )
    if not password:
        raise IdentityError(
            f"{where}: the Connection has no password (the client secret of source {kind!r});"
            " set it, or set private_key_file or client_secret_env in [targets.NAME]"
        )
    return {"client_secret": SecretStr(password)}


def _extra(fields: _Fields, where: str) -> dict[str, Any]:
    if not fields.extra or not fields.extra.strip():
        return {}
    try:
        extra = json.loads(fields.extra)
    except ValueError:
        raise IdentityError(f"{where}: the Connection's extra is not JSON") from None
    if not isinstance(extra, dict):
        raise IdentityError(f"{where}: the Connection's extra is not a JSON object")
    return extra


def _kind(fields: _Fields, extra: dict[str, Any], where: str) -> str:
    """The inner source: extra ``source`` (or ``token_source``), else ``conn_type``."""
    named = extra.pop("source", None) or extra.pop("token_source", None)
    if named == HIDDEN:
        raise IdentityError(
            f"{where}: {fields.via} hid extra 'token_source' (a key containing 'token');"
            " name the source in conn_type or in extra 'source'"
        )
    kind = named if named is not None else fields.conn_type
    inner = [k for k in SOURCES if k != NAME]
    if kind == NAME:
        raise IdentityError(
            f"{where}: a Connection cannot name {NAME!r} itself; use one of {', '.join(inner)}"
        )
    if not isinstance(kind, str) or kind not in inner:
        said = "extra 'source'" if named is not None else "conn_type"
        raise IdentityError(
            f"{where}: {said} names no token source ({str(kind)[:40]!r}); use one of {', '.join(inner)}"
        )
    return kind


def _scopes(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return tuple(value)
    raise IdentityError(f"{where}: extra 'scopes' must be a list of strings or one space-separated string")


def _parameters(kind: str) -> dict[str, str]:
    """The inner source's options and their annotations (as text); ``name`` is not one."""
    module, cls = SOURCES[kind]
    signature = inspect.signature(getattr(import_module(module), cls))
    return {n: str(p.annotation) for n, p in signature.parameters.items() if n != "name"}
