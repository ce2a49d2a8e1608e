"""Token sources by name, each imported only when a target uses it."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from agent.identity.token import IdentityError

if TYPE_CHECKING:
    from agent.ports import TokenSource

# name -> (module, class). token-exchange, aws-web-identity and airflow-connection join here.
SOURCES: dict[str, tuple[str, str]] = {
    "env": ("agent.identity.env", "EnvToken"),
    "client-credentials": ("agent.identity.client_credentials", "ClientCredentials"),
    "airflow-connection": ("agent.identity.airflow_connection", "AirflowConnection"),
    "token-exchange": ("agent.identity.token_exchange", "TokenExchange"),
    "aws-web-identity": ("agent.identity.aws_web_identity", "AwsWebIdentity"),
}


# name -> (module, class): the identities postwright publishes with ([publish] token_source).
HOST_SOURCES: dict[str, tuple[str, str]] = {
    "env": SOURCES["env"],
    "github-app": ("agent.identity.github_app", "GitHubApp"),
}


def open_source(kind: str, **options: Any) -> TokenSource:
    """The source ``kind`` configured with ``options`` (its own keys: env var names, URLs, paths)."""
    return _open(SOURCES, kind, options)


def open_host_source(kind: str, **options: Any) -> TokenSource:
    """The code host identity ``kind`` (``[publish] token_source``) configured with ``options``."""
    return _open(HOST_SOURCES, kind, options)


def _open(registry: dict[str, tuple[str, str]], kind: str, options: dict[str, Any]) -> TokenSource:
    if kind not in registry:
        raise IdentityError(f"unknown token source {kind!r}; use one of {', '.join(registry)}")
    module, cls = registry[kind]
    try:
        source: TokenSource = getattr(import_module(module), cls)(**options)
    except TypeError as exc:  # a key this source does not take
        raise IdentityError(f"token source {kind!r}: {exc}") from None
    return source
