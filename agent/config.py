"""Settings: CLI flag > environment (``POSTWRIGHT_*``) > ``postwright.toml`` > defaults.

The file is found from the working directory upward (or given with ``--config``). String
values in it may use ``${VAR}`` placeholders, resolved from the environment. Secrets
(``SecretStr`` fields) come only from the environment and never from the file; they are
masked in every ``repr`` and in ``postwright config show``, which also masks every URL's
userinfo and secret-named query values, and what a ``${VAR}`` put into a value when the
variable or the setting is named like a secret (``${DB_PASS}``, ``password = ...``).
"""

from __future__ import annotations

import os
import re
import tomllib
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from agent.errors import ConfigError
from agent.limits import Limits
from agent.models import SAFETY_CLASSES
from agent.urls import MASK, mask_url, mask_urls, secret_name, split_url

CONFIG_NAME = "postwright.toml"


def _valid_url(value: str | None) -> str | None:
    """A URL setting must split (urllib raises later on an unclosed '[' or a bad port)."""
    problem = split_url(value).problem if value else None
    if problem is not None:
        raise ValueError(f"{mask_url(str(value))[:200]} is not a valid URL: {problem}")
    return value


URL = Annotated[str | None, AfterValidator(_valid_url)]


def _postgres_url(value: str | None) -> str | None:
    """``state_url`` names a PostgreSQL database (the store's only server backend)."""
    if value and not value.startswith(("postgresql://", "postgres://")):
        raise ValueError(f"{mask_url(value)[:200]}: state_url must be a postgresql:// URL (unset: state_dir)")
    return value


_FILE_DATA: ContextVar[dict[str, Any] | None] = ContextVar("_FILE_DATA", default=None)
# Dotted setting -> (its interpolated value, the same with secret-named ${VAR}s as ***).
_Shown = dict[str, tuple[str, str]]
_PLACEHOLDER = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class AirflowSection(BaseModel):
    """Where Airflow is and what to read from it."""

    url: URL = None
    username: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None
    dag_ids: list[str] = Field(default_factory=list, description="ids or fnmatch patterns; empty: all")
    states: list[str] = Field(default_factory=lambda: ["failed", "up_for_retry"])
    since: datetime | None = None
    verify_tls: bool = True
    timeout: float = 30.0
    max_workers: int = Field(default=8, ge=1, le=64)


_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class PublishSection(BaseModel):
    """Where proposals go for review: a local git repository, or a pull request on GitHub/GitLab."""

    host: Literal["local", "github", "gitlab"] = "local"
    repo: str | None = Field(
        default=None, description="local: a path; github: owner/name; gitlab: group/project"
    )
    api_url: URL = Field(
        default=None, description="GitHub Enterprise: https://HOST/api/v3; GitLab: https://HOST/api/v4"
    )
    collection: str = "collections/api.postman_collection.json"
    base_branch: str = "main"
    labels: list[str] = Field(default_factory=list)
    draft: bool = False
    token_source: Literal["env", "github-app"] = "env"
    token_env: str | None = Field(
        default=None, pattern=_ENV_NAME, description="default GITHUB_TOKEN / GITLAB_TOKEN"
    )
    app_id: str | None = Field(default=None, pattern=r"^[0-9]+$")
    app_private_key_env: str | None = Field(
        default=None, pattern=_ENV_NAME, description="env var with the PEM key"
    )
    max_wait: float = Field(default=900.0, ge=0, description="longest wait for a host's rate limit, seconds")

    @model_validator(mode="after")
    def _identity(self) -> PublishSection:
        if self.token_source == "github-app":
            if self.host != "github":
                raise ValueError("token_source 'github-app' is for host 'github'")
            if not self.app_id or not self.app_private_key_env:
                raise ValueError("token_source 'github-app' needs app_id and app_private_key_env")
        return self


class BotSection(BaseModel):
    """`postwright bot serve`: the PR bot's webhook and queue (agent/bot)."""

    spec_paths: list[str] = Field(
        default_factory=lambda: ["openapi.yaml"], description="globs of spec files in the API repository"
    )
    collections_repo: str | None = Field(
        default=None, description="owner/name where tests go (default: the pull request's repository)"
    )
    workers: int = Field(default=2, ge=1, le=64, description="pull requests handled at once")
    max_queue: int = Field(default=200, ge=1, description="queued jobs past which a delivery gets 503")
    webhook_secret: SecretStr | None = Field(default=None, description="environment only")


class SandboxSection(BaseModel):
    """How proposals are proven."""

    enabled: bool = True
    runs: int = Field(default=3, ge=1, le=50)
    target: URL = None
    timeout: float = 120.0
    dir: Path | None = None
    # Credentials for a target: environment variable NAMES only; their values never go in a file.
    token_env: str | None = Field(default=None, pattern=_ENV_NAME, description="env var with a static token")
    oauth2_token_url: URL = Field(default=None, description="OAuth2 client-credentials endpoint")
    oauth2_client_id_env: str | None = Field(default=None, pattern=_ENV_NAME)
    oauth2_client_secret_env: str | None = Field(default=None, pattern=_ENV_NAME)
    oauth2_scope: str | None = None
    ca_certs: Path | None = Field(default=None, description="PEM CAs newman trusts for the target")
    shuffle: int | None = Field(default=None, description="seed: run the items in an order drawn from it")

    @model_validator(mode="after")
    def _one_credential_source(self) -> SandboxSection:
        oauth = (self.oauth2_token_url, self.oauth2_client_id_env, self.oauth2_client_secret_env)
        if any(oauth) and not all(oauth):
            raise ValueError(
                "oauth2_token_url, oauth2_client_id_env and oauth2_client_secret_env go together"
            )
        if self.token_env and any(oauth):
            raise ValueError("set token_env or the oauth2_* settings, not both")
        return self


def _known_classes(value: list[str]) -> list[str]:
    """Only the four safety classes may be allowed (a typo would silently allow nothing)."""
    unknown = sorted(set(value) - set(SAFETY_CLASSES))
    if unknown:
        raise ValueError(f"unknown safety class {unknown[0]!r}; use {', '.join(SAFETY_CLASSES)}")
    return list(dict.fromkeys(value))


class TargetSection(BaseModel):
    """What may run against a real target (``sandbox.target``); against a mock everything runs."""

    allow: Annotated[list[str], AfterValidator(_known_classes)] = Field(
        default_factory=lambda: ["read"], description="safety classes run against a real target"
    )
    allow_operations: list[str] = Field(
        default_factory=list,
        description='destructive operations that may run, by operationId or "METHOD /path"',
    )
    base_url: URL = Field(
        default=None,
        description="the old version's target: change tests run there too (else a mock of the base spec)",
    )


_TARGET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# Each source's own keys ([targets.NAME]): the others are refused, so a key meant for one is not ignored.
_SOURCE_KEYS = {
    "env": {"token_env"},
    "client-credentials": {
        "token_url",
        "client_id",
        "client_id_env",
        "client_secret_env",
        "private_key_file",
        "audience_param",
    },
    "token-exchange": {
        "token_url",
        "subject_token_file",
        "github_oidc",
        "github_oidc_audience",
        "subject_token_type",
        "requested_token_type",
        "client_id",
        "client_id_env",
        "client_secret_env",
        "private_key_file",
        "audience_param",
    },
    # the Connection holds the rest; the client's own proof may stay here (Airflow's REST API hides passwords)
    "airflow-connection": {"airflow_conn_id", "client_secret_env", "private_key_file"},
    "aws-web-identity": {
        "role_arn",
        "web_identity_token_file",
        "region",
        "role_session_name",
        "duration_seconds",
        "sts_endpoint_url",
        "service",
    },
}


class NamedTarget(BaseModel):
    """``[targets.NAME]``: a target with its own identity; environment variable names and file
    paths only, never a secret's value. ``verify --target NAME`` runs against it."""

    model_config = ConfigDict(extra="forbid")

    url: URL
    token_source: (
        Literal["env", "client-credentials", "token-exchange", "airflow-connection", "aws-web-identity"]
        | None
    ) = Field(default=None, description="where its token comes from; none: requests go without one")
    audience: str | None = Field(default=None, description="the audience its tokens are asked for")
    scopes: list[str] = Field(default_factory=list)
    token_env: str | None = Field(default=None, pattern=_ENV_NAME)
    token_url: URL = None
    client_id: str | None = None
    client_id_env: str | None = Field(default=None, pattern=_ENV_NAME)
    client_secret_env: str | None = Field(default=None, pattern=_ENV_NAME)
    private_key_file: Path | None = Field(default=None, description="PEM key for private_key_jwt")
    audience_param: str | None = Field(
        default=None, description="token request field for the audience (resource; token-exchange: audience)"
    )
    subject_token_file: Path | None = Field(default=None, description="token-exchange: the subject token")
    github_oidc: bool | None = Field(default=None, description="token-exchange: GitHub Actions' OIDC token")
    github_oidc_audience: str | None = Field(default=None, description="the audience asked of GitHub")
    subject_token_type: str | None = None
    requested_token_type: str | None = None
    airflow_conn_id: str | None = Field(default=None, pattern=r"^[\w.-]+$", description="a Connection's id")
    role_arn: str | None = Field(default=None, pattern=r"^arn:[\w-]+:iam::\d{12}:role/[\w+=,.@/-]+$")
    web_identity_token_file: Path | None = Field(default=None, description="the OIDC token STS checks")
    region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    role_session_name: str | None = Field(default=None, pattern=r"^[\w+=,.@-]{2,64}$")
    duration_seconds: int | None = Field(default=None, ge=900, le=43_200)
    sts_endpoint_url: URL = None
    service: str | None = Field(default=None, pattern=r"^[a-z0-9-]+$", description="the API's signing name")

    @model_validator(mode="after")
    def _coherent(self) -> NamedTarget:
        if not self.url:
            raise ValueError("a target needs its url")
        given = {k for k in self.model_fields_set if k in set().union(*_SOURCE_KEYS.values())}
        allowed = _SOURCE_KEYS.get(self.token_source or "", set())
        if given - allowed:
            raise ValueError(
                f"{sorted(given - allowed)[0]} does not go with token_source {self.token_source!r}"
            )
        if self.token_source == "env" and not self.token_env:
            raise ValueError("token_source 'env' needs token_env (the variable holding the token)")
        if self.token_source == "client-credentials" and not self.token_url:
            raise ValueError("token_source 'client-credentials' needs token_url")
        if self.token_source == "token-exchange" and not self.token_url:
            raise ValueError("token_source 'token-exchange' needs token_url")
        exchange_subjects = (self.subject_token_file is not None) + bool(self.github_oidc)
        if self.token_source == "token-exchange" and exchange_subjects != 1:
            raise ValueError("token_source 'token-exchange' needs subject_token_file or github_oidc = true")
        if self.token_source == "airflow-connection" and not self.airflow_conn_id:
            raise ValueError("token_source 'airflow-connection' needs airflow_conn_id (the Connection's id)")
        if self.token_source == "aws-web-identity":
            missing = [k for k in ("role_arn", "web_identity_token_file", "region") if not getattr(self, k)]
            if missing:
                raise ValueError(f"token_source 'aws-web-identity' needs {', '.join(missing)}")
            if self.scopes:
                raise ValueError("scopes do not go with token_source 'aws-web-identity' (the role decides)")
        audience = split_url(self.audience) if self.audience and "://" in self.audience else None
        if audience is not None and audience.host != split_url(self.url).host:
            # a token for one audience is only ever sent to that audience's host
            raise ValueError(f"audience {self.audience!r} names another host than url")
        return self

    def source_options(self) -> dict[str, Any]:
        """The keys its token source takes, as ``identity.sources.open_source`` wants them."""
        keys = _SOURCE_KEYS.get(self.token_source or "", set())
        values = {k: getattr(self, k) for k in keys if getattr(self, k) is not None}
        if "token_env" in values:
            values["env_var"] = values.pop("token_env")
        return values


def _target_names(value: dict[str, NamedTarget]) -> dict[str, NamedTarget]:
    for name in value:
        if not _TARGET_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a target name (letters, digits, '.', '_', '-')")
    return value


def _plain_variables(value: dict[str, str]) -> dict[str, str]:
    """[variables] holds path and query values only: a credential-named one is refused."""
    if not value:  # the checks import the generator (half a second): not for an empty table
        return value
    # The generator's own rule (one definition): a path parameter named `key` is data there, and here.
    from agent.boundary.outbound.js import is_secret_name
    from agent.boundary.outbound.request import credential_field
    from agent.generate.variables import usable_name

    for name in value:
        if is_secret_name(name) or credential_field(name):
            raise ValueError(
                f"{name!r} reads as a credential: [variables] is written into the collection, so "
                "give credentials at run time ([sandbox] token_env or oauth2_*)"
            )
        if not usable_name(name):  # malformed, or one the collection itself defines
            raise ValueError(f"{name!r} is not a name for a path or query variable")
    return value


class Settings(BaseSettings):
    """The one settings object."""

    model_config = SettingsConfigDict(
        env_prefix="POSTWRIGHT_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    spec: str | None = Field(default=None, description="revision spec: file, URL or git:REF:path")
    base: str | None = Field(default=None, description="base spec to diff against")
    logs: list[str] = Field(default_factory=list, description="log files or directories")
    ref_root: Path | None = Field(
        default=None, description="folder local $refs may read (default: the spec's own folder)"
    )
    strict: bool = Field(
        default=False, description="refuse a spec that fails OpenAPI validation (else load it with warnings)"
    )
    validate_specs: bool = Field(default=True, description="check specs against the OpenAPI meta-schema")
    base_url: URL = Field(
        default=None,
        description="value of {{baseUrl}} in generated collections (never taken from a spec's servers)",
    )
    state_dir: Path = Path(".postwright")
    state_url: Annotated[URL, AfterValidator(_postgres_url)] = Field(
        default=None,
        description="a PostgreSQL store shared by workers (password: PGPASSWORD/PGPASSFILE or ${VAR})",
    )
    seed: int = 0
    llm: str = Field(default="none", description='"none" or "openai:MODEL"')
    llm_base_url: URL = Field(default=None, description="OpenAI-compatible endpoint (else OPENAI_BASE_URL)")
    llm_budget_usd: float | None = Field(
        default=None, ge=0, description="stop asking the model past this cost"
    )
    llm_max_requests: int | None = Field(default=None, ge=0)
    workers: int = Field(
        default=0, ge=0, description="processes that check large batches of proposals; 0: one per CPU"
    )
    airflow: AirflowSection = AirflowSection()
    publish: PublishSection = PublishSection()
    bot: BotSection = BotSection()
    sandbox: SandboxSection = SandboxSection()
    target: TargetSection = TargetSection()
    targets: Annotated[dict[str, NamedTarget], AfterValidator(_target_names)] = Field(
        default_factory=dict, description="[targets.NAME]: targets with their own identity"
    )
    variables: Annotated[dict[str, str], AfterValidator(_plain_variables)] = Field(
        default_factory=dict, description="[variables]: path and query {{variables}} values, never secrets"
    )
    environment: Path | None = Field(
        default=None, description="a Postman environment file whose values reach newman at run time"
    )
    limits: Limits = Limits()  # [limits]: bounds on the work one hostile input can cause
    root: Path = Field(default=Path("."), exclude=True, description="project root (the file's folder)")
    config_file: Path | None = Field(default=None, exclude=True)
    _shown: _Shown = PrivateAttr(default_factory=dict)  # how `config show` prints ${VAR} values

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileSource(settings_cls))

    def path(self, value: str | Path) -> Path:
        """A path from the config, relative to the project root."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.root / p

    def ref(self, value: str) -> str:
        """A spec reference: URLs and git refs unchanged, file paths made root-relative."""
        if value.startswith(("http://", "https://", "git:")) or value == "-":
            return value
        return str(self.path(value))

    @property
    def state_path(self) -> Path:
        return self.path(self.state_dir)


class _FileSource(PydanticBaseSettingsSource):
    """Feeds the parsed, interpolated ``postwright.toml`` into the settings."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_FILE_DATA.get() or {})


def find_config(start: Path) -> Path | None:
    """The nearest ``postwright.toml`` from ``start`` upward."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _interpolate(value: Any, where: str, shown: _Shown) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, f"{where}.{k}" if where else k, shown) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, f"{where}[{i}]", shown) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "$"
        if name not in os.environ:
            raise ConfigError(f"{where} uses ${{{name}}} but the environment variable {name} is not set")
        return os.environ[name]

    result = _PLACEHOLDER.sub(sub, value)
    if result != value:
        key = re.sub(r"\[\d+\]$", "", where).rsplit(".", 1)[-1]

        def hide(match: re.Match[str]) -> str:
            name = match.group(1)
            return sub(match) if name is None or not (secret_name(name) or secret_name(key)) else MASK

        shown[where] = (result, _PLACEHOLDER.sub(hide, value))
    return result


def _secret_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted names of every SecretStr field, nested sections included."""
    found = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        if ann is SecretStr or SecretStr in args:
            found.append(prefix + name)
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            found.extend(_secret_paths(ann, f"{prefix}{name}."))
    return found


def _reject_secrets(data: dict[str, Any], file: Path) -> None:
    for dotted in _secret_paths(Settings):
        node: Any = data
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            env = "POSTWRIGHT_" + dotted.upper().replace(".", "__")
            raise ConfigError(
                f"{file.name}: '{dotted}' is a secret and must not be in the file; set {env} instead"
            )


def _read_file(file: Path, shown: _Shown) -> dict[str, Any]:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {file}: {exc.__class__.__name__}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from None
    _reject_secrets(data, file)
    interpolated: dict[str, Any] = _interpolate(data, "", shown)
    return interpolated


def load_settings(config: Path | None = None, cwd: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings; ``overrides`` are CLI flags (``None`` values are ignored)."""
    cwd = (cwd or Path.cwd()).resolve()
    env_file = os.environ.get("POSTWRIGHT_CONFIG")
    file = config or (Path(env_file) if env_file else None) or find_config(cwd)
    if file is not None and not file.is_file():
        raise ConfigError(f"config file {file} does not exist")
    shown: _Shown = {}
    data = _read_file(file, shown) if file else {}
    root = file.resolve().parent if file else cwd
    flags = {k: v for k, v in overrides.items() if v is not None}
    token = _FILE_DATA.set(data)
    try:
        settings = Settings(root=root, config_file=file.resolve() if file else None, **flags)
        settings._shown = shown
        return settings
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        raise ConfigError(f"invalid setting {where}: {err['msg']}") from None
    finally:
        _FILE_DATA.reset(token)


def _shown(value: Any, where: str, shown: _Shown) -> Any:
    """``value`` as `config show` prints it: URLs masked, secret ${VAR} expansions as ***."""
    if isinstance(value, dict):
        return {k: _shown(v, f"{where}.{k}" if where else k, shown) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v, f"{where}[{i}]", shown) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    expanded, display = shown.get(where, (None, ""))
    # Only while the effective value is still the file's (a flag or env var may override it).
    return mask_urls(display if value == expanded else value)


def masked(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, secrets shown only as set / unset, URLs masked."""
    data: dict[str, Any] = _shown(settings.model_dump(mode="json"), "", settings._shown)
    for dotted in _secret_paths(Settings):
        *parents, leaf = dotted.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[leaf] = "********" if node.get(leaf) else None
    data["root"] = str(settings.root)
    data["config_file"] = str(settings.config_file) if settings.config_file else None
    return data
