"""Chooses adapters by name from the settings and imports them lazily."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from agent.config import Settings
from agent.errors import ConfigError, StorageError
from agent.llm.types import Budget
from agent.models import SpecDocument
from agent.pipeline import Job, Pipeline
from agent.ports import LLMBackend, LogSource, Publisher, Runner, Store

if TYPE_CHECKING:
    from agent.runner.credentials import CredentialProvider
    from agent.runner.environment import Environment
    from agent.runner.newman import NewmanRunner
    from agent.sources.airflow import AirflowSettings

P = TypeVar("P")


class SpecLoader:
    """The SpecSource for files, URLs and git refs."""

    def __init__(self, settings: Settings, *, validate: bool = True) -> None:
        self.settings = settings
        self.validate = validate

    def load(self, ref: str) -> SpecDocument:
        from agent.specs.load import load_spec

        root = self.settings.ref_root
        ref_root = self.settings.path(root) if root is not None else None
        return load_spec(
            self.settings.ref(ref),
            validate=self.validate and self.settings.validate_specs,
            strict=self.settings.strict,
            cwd=self.settings.root,
            ref_root=ref_root,
        )


def sandbox_dir(settings: Settings) -> Path:
    """The pinned Node project: configured, or the one beside the package."""
    from agent.runner.sandbox import default_sandbox_dir

    if settings.sandbox.dir is not None:
        return settings.path(settings.sandbox.dir)
    return default_sandbox_dir()


def log_source(settings: Settings, store: Store) -> LogSource | None:
    """Log files from the config, or Airflow when a URL is set, or nothing."""
    if settings.logs:
        from agent.sources.logfiles import LogFiles

        return LogFiles([settings.path(p) for p in settings.logs])
    if settings.airflow.url:
        return airflow_source(settings, store)
    return None


def airflow_source(settings: Settings, store: Store | None, **scope: Any) -> LogSource:
    """The Airflow REST source; ``scope`` overrides dag_ids / since from the command line."""
    from agent.sources.airflow import AirflowSource

    airflow = airflow_settings(settings, **scope)
    if airflow is None:
        raise ConfigError(
            "no Airflow configured: set [airflow] url in postwright.toml or POSTWRIGHT_AIRFLOW__URL"
        )
    return AirflowSource(airflow, store=store)


def airflow_settings(settings: Settings, **scope: Any) -> AirflowSettings | None:
    """Where ``[airflow]`` is and how to sign in there (the log source and airflow-connection)."""
    from agent.sources.airflow import AirflowSettings

    section = settings.airflow
    if not section.url:
        return None
    values = section.model_dump(exclude={"url"})
    values.update({k: v for k, v in scope.items() if v is not None})
    return AirflowSettings(base_url=section.url, **values)


def runner(settings: Settings) -> Runner | None:
    """newman in the sandbox, unless switched off."""
    if not settings.sandbox.enabled:
        return None
    from agent.runner.sandbox import SandboxTools

    SandboxTools.locate(sandbox_dir(settings))  # a missing install fails here, with the fix
    return newman(settings)


def base_runner(settings: Settings) -> Runner | None:
    """The old API, to see which change tests tell it apart: [target] base_url, else a base-spec mock."""
    if not settings.sandbox.enabled or not settings.base:
        return None
    if settings.target.base_url:
        return newman(settings, target=settings.target.base_url)
    from agent.runner.newman import NewmanRunner

    return NewmanRunner(sandbox_dir(settings), timeout=settings.sandbox.timeout)  # no target: a mock


def newman(
    settings: Settings,
    *,
    folder: Path | None = None,
    timeout: float | None = None,
    isolate: str = "auto",
    target: str | None = None,
    provider: CredentialProvider | None = None,
    ca_certs: Path | None = None,
    shuffle: int | None = None,
    own_identity: bool = False,
    target_name: str | None = None,
) -> NewmanRunner:
    """The newman runner ``[sandbox]`` and ``[target]`` describe; arguments given override them.

    ``target`` (default ``[sandbox] target``) is a URL or a ``[targets.NAME]``, which brings its
    own identity (``named_target``, as for verify). ``own_identity``: the target is a named one
    with its own credentials (``provider``, maybe none): ``[sandbox]``'s are never sent there.
    ``target_name`` names it in the audit."""
    from agent.runner.newman import NewmanRunner
    from agent.runner.selection import Policy

    section = settings.sandbox
    name = target or section.target
    named = named_target(settings, name) if name else None
    if named is not None:  # a name: its URL, and its identity unless one was given
        target, own_identity, target_name = named[0], True, target_name or name
        provider = provider if provider is not None else named[1]
    if ca_certs is None and section.ca_certs is not None:
        ca_certs = settings.path(section.ca_certs)
    return NewmanRunner(
        folder or sandbox_dir(settings),
        timeout=timeout or section.timeout,
        isolate=isolate,
        target=target or section.target,
        credentials=audited(
            settings,
            provider if provider is not None or own_identity else credentials(settings),
            target_name or target or section.target,
        ),
        extra_ca_certs=ca_certs,
        environment=environment(settings),
        policy=Policy(frozenset(settings.target.allow), tuple(settings.target.allow_operations)),
        shuffle=shuffle if shuffle is not None else section.shuffle,
    )


def audited(settings: Settings, provider: P, target: str | None) -> P:
    """``provider`` with every token it gets, refreshes, is refused or fails to get recorded in the
    state database's identity audit (under the run this process has open), as ``target``."""
    from agent.runner.credentials import TargetToken

    if isinstance(provider, TargetToken) and provider.cache.on_event is None:
        from agent.store.identity_audit import AuditRecorder

        recorder = AuditRecorder(settings.state_path, target, settings.state_url)
        provider.cache.on_event, provider.cache.fingerprint = recorder, recorder.fingerprint
    return provider


@contextmanager
def audit_scope(settings: Settings, provider: object, kind: str, config: dict[str, Any]) -> Iterator[None]:
    """A run in the state database for a command that is not the pipeline (verify) while it uses an
    identity, so its audit rows have a run; nothing without an audited identity."""
    from agent.runner.credentials import TargetToken

    if not isinstance(provider, TargetToken) or provider.cache.on_event is None:
        yield
        return
    from agent.store import open_store

    with open_store(settings.state_path, settings.state_url) as store:
        run_id, status = store.start_run(kind, config), "failed"
        try:
            yield
            status = "ok"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            try:
                store.finish_run(run_id, status, {})
            except StorageError:
                if status == "ok":
                    raise  # else the error that stopped the command is the one to report


def environment(settings: Settings) -> Environment:
    """The user's run-time values: ``[variables]``, then the ``environment`` file's (which win)."""
    from agent.runner.environment import Environment, load_environment

    given = Environment(dict(settings.variables))
    if settings.environment is None:
        return given
    loaded = load_environment(settings.path(settings.environment))
    return Environment({**given.values, **loaded.values}, loaded.secrets)


def credentials(settings: Settings) -> CredentialProvider | None:
    """Run-time credentials for the default target, as ``[sandbox]`` names them (env var names
    only): source ``env`` or ``client-credentials``, as a ``[targets.NAME]`` would give them."""
    from agent.runner.credentials import provider_from

    section = settings.sandbox
    return provider_from(
        token_env=section.token_env,
        token_url=section.oauth2_token_url,
        client_id_env=section.oauth2_client_id_env,
        client_secret_env=section.oauth2_client_secret_env,
        scope=section.oauth2_scope,
    )


def target_url(settings: Settings, target: str | None = None) -> str | None:
    """The URL ``target`` (default ``[sandbox] target``) stands for: a ``[targets.NAME]``'s url."""
    given = target or settings.sandbox.target
    entry = settings.targets.get(given) if given else None
    return entry.url if entry is not None and entry.url else given


def named_target(settings: Settings, name: str) -> tuple[str, CredentialProvider | None] | None:
    """``[targets.NAME]``: its URL and its own identity (a token source, for its audience only)."""
    entry = settings.targets.get(name)
    if entry is None or entry.url is None:
        return None
    if entry.token_source is None:
        return entry.url, None
    from agent.runner.credentials import target_token

    # key and token files are relative to the project root, as every path in the config
    options = {k: settings.path(v) if isinstance(v, Path) else v for k, v in entry.source_options().items()}
    if entry.token_source == "airflow-connection":
        options["airflow"] = airflow_settings(settings)
    provider = target_token(
        entry.token_source,
        audience=entry.audience,
        scopes=tuple(entry.scopes),
        target=f"target {name!r}",
        **options,
    )
    return entry.url, provider


def publisher(settings: Settings) -> Publisher | None:
    """The configured publishing host."""
    if settings.publish.repo is None:
        return None
    if settings.publish.host == "github":
        return github_publisher(settings)
    if settings.publish.host == "gitlab":
        return gitlab_publisher(settings)
    if settings.publish.host != "local":
        raise ConfigError(f"publish.host {settings.publish.host!r} is not supported yet; use 'local'")
    from agent.publish.local import LocalGitPublisher

    return LocalGitPublisher(
        settings.path(settings.publish.repo),
        settings.publish.collection,
        base_branch=settings.publish.base_branch,
        out_dir=settings.state_path / "pull-requests",
    )


def github_publisher(settings: Settings, **timing: Any) -> Publisher:
    """``[publish] host = "github"``: a pull request, its identity audited like a target's."""
    from agent.identity.sources import open_host_source
    from agent.identity.token import TokenCache
    from agent.publish.github import DEFAULT_API_URL, DEFAULT_TOKEN_ENV
    from agent.publish.github import github_publisher as make
    from agent.store.identity_audit import AuditRecorder

    section = settings.publish
    if section.token_source == "github-app":
        options = {"app_id": section.app_id, "private_key_env": section.app_private_key_env}
        options |= {"repo": section.repo, "api_url": section.api_url or DEFAULT_API_URL}
    else:
        options = {"env_var": section.token_env or DEFAULT_TOKEN_ENV}
    recorder = AuditRecorder(settings.state_path, f"github:{section.repo}", settings.state_url)
    cache = TokenCache(
        open_host_source(section.token_source, **options), on_event=recorder, fingerprint=recorder.fingerprint
    )
    return make(section, cache, **timing)


def gitlab_publisher(settings: Settings) -> Publisher:
    """``[publish] host = "gitlab"``: a merge request, its project access token audited like a target's."""
    from agent.identity.sources import open_host_source
    from agent.identity.token import TokenCache
    from agent.publish.gitlab import DEFAULT_TOKEN_ENV
    from agent.publish.gitlab import gitlab_publisher as make
    from agent.store.identity_audit import AuditRecorder

    section = settings.publish
    recorder = AuditRecorder(settings.state_path, f"gitlab:{section.repo}", settings.state_url)
    source = open_host_source("env", env_var=section.token_env or DEFAULT_TOKEN_ENV)
    return make(section, TokenCache(source, on_event=recorder, fingerprint=recorder.fingerprint))


def llm(settings: Settings) -> tuple[LLMBackend | None, Budget | None]:
    """The model backend the settings name (``llm = "openai:MODEL"``), and the run's budget."""
    if settings.llm == "none":
        return None, None
    from agent.llm import backend_from

    backend = backend_from(
        settings.llm, settings.llm_base_url, None, cache_dir=settings.state_path / "llm-cache"
    )
    budget = Budget(max_cost_usd=settings.llm_budget_usd, max_requests=settings.llm_max_requests)
    return backend, budget


def build(settings: Settings, *, verify: bool = True, publish: bool = True) -> Pipeline:
    """A pipeline with the adapters the settings ask for."""
    from agent.check.batch import default_workers
    from agent.store import open_store

    if not settings.spec:
        raise ConfigError("no spec configured: pass --spec or set spec in postwright.toml")
    store = open_store(settings.state_path, settings.state_url)
    backend, budget = llm(settings)
    return Pipeline(
        specs=SpecLoader(settings),
        store=store,
        logs=log_source(settings, store),
        runner=runner(settings) if verify else None,
        base_runner=base_runner(settings) if verify else None,
        publisher=publisher(settings) if publish else None,
        llm=backend,
        budget=budget,
        workers=settings.workers or default_workers(),
        limits=settings.limits,
    )


def job(settings: Settings, *, kind: str = "run", name: str | None = None, **render: Any) -> Job:
    """The job the settings describe; ``render`` sets folders / base_url of the collection."""
    assert settings.spec is not None
    render["base_url"] = render.get("base_url") or settings.base_url or target_url(settings)
    return Job(
        revision=settings.spec,
        base=settings.base,
        name=name,
        **render,
        seed=settings.seed,
        runs=settings.sandbox.runs,
        kind=kind,
        config={
            "spec": settings.spec,
            "api": api_key(settings),
            "base": settings.base,
            "logs": settings.logs,
            "llm": settings.llm,
        },
        variables=dict(settings.variables),
    )


def api_key(settings: Settings) -> str:
    """What names this API in a store many APIs share: its spec as located from the config (two
    projects' ``openapi.yaml`` are two APIs; a git ref names its project's repository)."""
    assert settings.spec is not None
    ref = settings.ref(settings.spec)
    return f"{settings.root}/{ref}" if ref.startswith("git:") else ref
