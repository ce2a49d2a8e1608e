"""What a Connection gives postwright: environment variables for its process and the secrets among them.

Pure (no Airflow import), so the mapping is tested without an Airflow. Secrets travel only in
the child's environment: never in argv, XCom, a Variable or a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

TARGET = "airflow"  # the [targets.NAME] the check job verifies against (given through the environment)
TOKEN_ENV = "PW_TARGET_TOKEN"
SECRET_ENV = "PW_TARGET_CLIENT_SECRET"
PUBLISH_TOKEN_ENV = "PW_PUBLISH_TOKEN"  # the git host's token, named to postwright by [publish] token_env
SOURCES = ("static", "client-credentials", "none")


class ConnectionProblem(ValueError):
    """A Connection that cannot work; the message is one line and names no secret."""


@dataclass(frozen=True)
class Fields:
    """The Connection fields read here (``airflow.sdk.Connection`` has these attributes)."""

    conn_id: str
    host: str | None = None
    login: str | None = None
    password: str | None = None
    extra: str | None = None
    schema: str | None = None
    port: int | None = None

    def extra_dict(self) -> dict[str, Any]:
        if not self.extra or not self.extra.strip():
            return {}
        try:
            value = json.loads(self.extra)
        except ValueError:
            raise ConnectionProblem(f"connection {self.conn_id!r}: extra is not JSON") from None
        if not isinstance(value, dict):
            raise ConnectionProblem(f"connection {self.conn_id!r}: extra is not a JSON object")
        return value

    def url(self) -> str | None:
        """The host as a URL: a full URL kept as is, else ``schema://host[:port]`` (https by default)."""
        if not self.host:
            return None
        if "://" in self.host:
            return self.host.rstrip("/")
        port = f":{self.port}" if self.port else ""
        return f"{self.schema or 'https'}://{self.host}{port}"


@dataclass
class ChildEnv:
    """Variables for postwright's process; ``secrets`` are the values to mask before any log line."""

    variables: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)

    def secret(self, name: str, value: str) -> None:
        self.variables[name] = value
        self.secrets.append(value)

    def update(self, other: ChildEnv) -> None:
        self.variables.update(other.variables)
        self.secrets.extend(other.secrets)


def postwright_env(conn: Fields) -> tuple[ChildEnv, str | None]:
    """``postwright`` type: host/login/password are the Airflow postwright reads logs from and its
    user; extra ``venv`` is postwright's environment, ``state_url`` a shared store, ``publish_token``
    the GitHub/GitLab token ``[publish] host = "github" | "gitlab"`` opens pull requests with (it
    becomes the child's ``[publish] token_env``). Returns the environment and the venv."""
    extra = conn.extra_dict()
    env = ChildEnv()
    url = conn.url()
    if url:
        env.variables["POSTWRIGHT_AIRFLOW__URL"] = url
    if conn.login:
        env.variables["POSTWRIGHT_AIRFLOW__USERNAME"] = conn.login
    if conn.password:
        env.secret("POSTWRIGHT_AIRFLOW__PASSWORD", conn.password)
    if extra.get("state_url"):  # may hold a database password
        env.secret("POSTWRIGHT_STATE_URL", str(extra["state_url"]))
    token = extra.get("publish_token")
    if token is not None and not isinstance(token, str):
        raise ConnectionProblem(f"connection {conn.conn_id!r}: extra 'publish_token' must be a string")
    if token and token.strip():
        env.secret(PUBLISH_TOKEN_ENV, token.strip())
        env.variables["POSTWRIGHT_PUBLISH__TOKEN_ENV"] = PUBLISH_TOKEN_ENV  # the name, never the value
    venv = extra.get("venv")
    return env, str(venv) if venv else None


def target_env(conn: Fields) -> ChildEnv:
    """``postwright_target`` type: host is the target's URL; extra ``source`` says where its token
    comes from (``static``: the password is the token; ``client-credentials``: login and password are
    the client, extra ``auth_url`` its token endpoint; ``none``), ``audience`` and ``scopes``."""
    extra = conn.extra_dict()
    url = conn.url()
    if not url:
        raise ConnectionProblem(f"connection {conn.conn_id!r}: set the host to the target's URL")
    source = extra.get("source") or ("client-credentials" if extra.get("auth_url") else "static")
    if source not in SOURCES:
        raise ConnectionProblem(
            f"connection {conn.conn_id!r}: extra 'source' must be one of {', '.join(SOURCES)}"
        )
    target: dict[str, Any] = {"url": url}
    env = ChildEnv()
    if source == "static":
        if not conn.password:
            raise ConnectionProblem(
                f"connection {conn.conn_id!r}: source 'static' needs the token as password"
            )
        target.update(token_source="env", token_env=TOKEN_ENV)
        env.secret(TOKEN_ENV, conn.password)
    elif source == "client-credentials":
        if not (extra.get("auth_url") and conn.login and conn.password):
            raise ConnectionProblem(
                f"connection {conn.conn_id!r}: client-credentials needs extra 'auth_url', the login"
                " (client id) and the password (client secret)"
            )
        target.update(
            token_source="client-credentials",
            token_url=extra["auth_url"],
            client_id=conn.login,
            client_secret_env=SECRET_ENV,
        )
        env.secret(SECRET_ENV, conn.password)
    if extra.get("audience"):
        target["audience"] = str(extra["audience"])
    scopes = extra.get("scopes")
    if scopes:
        target["scopes"] = scopes.split() if isinstance(scopes, str) else [str(s) for s in scopes]
    # Names and URLs only: the secret is in its own variable, named here.
    env.variables["POSTWRIGHT_TARGETS"] = json.dumps({TARGET: target})
    return env


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret replaced, before Airflow's own masker sees it."""
    for value in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(value, "***")
    return text
