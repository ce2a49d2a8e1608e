"""GitLab as a ``HostAPI``: merge requests, notes and the commits API, through python-gitlab.

Commits are made by ``POST /projects/:id/repository/commits`` with actions (no clone; the
token travels only in the ``PRIVATE-TOKEN`` header). python-gitlab retries 5xx and network
errors (``retry_transient_errors``) and waits out 429s (``Retry-After``, else
``RateLimit-Reset``); a response hook refuses a wait longer than ``max_wait`` first, so a long
limit is a one-line error rather than a hung run.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, TypeVar

import gitlab
import requests
from gitlab.v4.objects import Project

from agent.errors import ConfigError, PublishFailed
from agent.identity.token import TokenCache
from agent.publish.remote import BranchExists, RemotePublisher, RequestExists, RequestState, ReviewRequest

DEFAULT_API_URL = "https://gitlab.com/api/v4"
DEFAULT_TOKEN_ENV = "GITLAB_TOKEN"
SCOPES = ("api",)  # a project access token's scope for the commits, merge request and notes APIs
# GitLab caps a note at 1,000,000 characters (an MR description at 1,048,576): the lower serves both
GITLAB_MAX_BODY = 1_000_000
_DRAFT = "Draft: "
_STATES: dict[str, RequestState] = {
    "opened": "open",
    "locked": "open",
    "closed": "closed",
    "merged": "merged",
}
T = TypeVar("T")


class RateLimited(PublishFailed):
    """GitLab asked for a wait longer than the configured limit."""


def _wait_asked(response: requests.Response) -> float | None:
    """Seconds a retried answer asks for (``Retry-After``, on a 429 else ``RateLimit-Reset``).

    python-gitlab reads ``RateLimit-Reset`` on a 5xx too, and would wait for the rate window to
    end (up to a minute) before retrying a 502; an instance that sends the RateLimit-* headers
    with every answer does that. The hook drops it there, so a 5xx gets the exponential backoff."""
    status = response.status_code
    if status != 429 and status < 500:
        return None
    if status != 429:
        response.headers.pop("RateLimit-Reset", None)
    after = response.headers.get("Retry-After")
    if after is not None and after.strip().isdigit():
        return float(after)
    reset = response.headers.get("RateLimit-Reset")
    if reset is not None and reset.strip().isdigit():
        return max(0.0, float(reset) - time.time())
    return None


def _bounded(max_wait: float) -> Callable[..., None]:
    """A requests response hook: a 429 or 5xx asking more than ``max_wait`` seconds stops the publish."""

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        wait = _wait_asked(response)
        if wait is not None and wait > max_wait:
            raise RateLimited(
                f"GitLab rate limit: asked to wait {wait:.0f} s, more than the {max_wait:.0f} s allowed; "
                "the proposals stay pending and go out with the next run"
            )

    return hook


def base_url(api_url: str) -> str:
    """python-gitlab's server URL from ``https://HOST[/prefix]/api/v4``."""
    url = api_url.rstrip("/")
    if url.endswith("/api/v4"):
        return url[: -len("/api/v4")]
    if "/api/" in url:
        raise ConfigError(f"publish.api_url {api_url!r}: GitLab's REST API is /api/v4 (https://HOST/api/v4)")
    return url


def token_from(token_env: str | None) -> str:
    """The project access token from the named variable (default ``$GITLAB_TOKEN``)."""
    name = token_env or DEFAULT_TOKEN_ENV
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(
            f"publish.host 'gitlab' needs a token in ${name}",
            hint="a project access token with the api scope and the Developer role",
        )
    return value


class GitLabHost:
    """One GitLab project, for ``RemotePublisher``."""

    def __init__(
        self,
        api_url: str,
        repo: str,
        token: str,
        *,
        max_wait: float = 300.0,
        timeout: float = 30.0,
        max_retries: int = 5,
        on_refused: Callable[[], None] | None = None,
    ) -> None:
        session = requests.Session()
        session.hooks["response"].append(_bounded(max_wait))
        session.trust_env = False  # no ~/.netrc credential sent beside the token, no proxy from the env
        self._gl = gitlab.Gitlab(
            base_url(api_url),
            private_token=token,
            session=session,
            ssl_verify=os.environ.get("REQUESTS_CA_BUNDLE") or True,  # a private CA, as requests reads it
            timeout=timeout,
            retry_transient_errors=True,
            user_agent="postwright",
        )
        self._retries = max_retries
        self._on_refused = on_refused
        self._repo = repo
        self._project: Project = self._gl.projects.get(repo, lazy=True)
        self._default: str | None = None
        self._login: str | None = None
        self._emails: frozenset[str] = frozenset()

    def _call(
        self, what: str, fn: Callable[[], T], *, missing: T | None = None, absent_ok: bool = False
    ) -> T:
        """Run one python-gitlab call; its errors become one-line ``PublishFailed``s."""
        try:
            return fn()
        except gitlab.exceptions.GitlabError as exc:
            if absent_ok and exc.response_code == 404:
                return missing  # type: ignore[return-value]
            self._fail(what, exc)
        except requests.RequestException as exc:
            raise PublishFailed(
                f"GitLab: cannot {what}: {type(exc).__name__} reaching {self._gl.url}"
            ) from None

    def _fail(self, what: str, exc: gitlab.exceptions.GitlabError) -> NoReturn:
        code = exc.response_code
        message = exc.error_message
        if isinstance(message, bytes):
            message = message.decode(errors="replace")
        text = " ".join(str(message).split())[:300]
        hint = None
        if code == 401:
            hint = "the token was refused: renew the project access token"
            if self._on_refused is not None:
                self._on_refused()
        elif code == 403:
            hint = "the token needs the api scope and at least the Developer role"
        elif code == 404 and self._default is None:
            hint = f"check publish.repo ({self._repo}) and that the token's project is that one"
        status = (
            text if text.startswith(str(code)) else f"{code} {text}"
        )  # GitLab's bodies often start with it
        raise PublishFailed(f"GitLab: cannot {what}: {status}", hint=hint) from None

    def _rest(self) -> dict[str, Any]:
        """Per-call options: python-gitlab's retry count (429 and transient errors)."""
        return {"max_retries": self._retries}

    @property
    def bot_login(self) -> str:
        if self._login is None:
            me = self._call("read the token's user", lambda: self._gl.http_get("/user", **self._rest()))
            assert isinstance(me, dict)
            self._login = str(me["username"])
            self._emails = frozenset(e for e in (me.get("email"), me.get("commit_email")) if e)
        return self._login

    def default_branch(self) -> str:
        if self._default is None:
            project = self._call(
                f"read project {self._repo}", lambda: self._gl.projects.get(self._repo, **self._rest())
            )
            self._default = str(project.default_branch)
            self._project = project
        return self._default

    def _tip(self, branch: str) -> dict[str, Any] | None:
        """The branch's newest commit as GitLab shows it (ids, author and committer), or None."""
        found = self._call(
            f"read branch {branch}",
            lambda: self._project.branches.get(branch, **self._rest()),
            absent_ok=True,
        )
        return None if found is None else dict(found.commit)

    def head(self, branch: str) -> str | None:
        tip = self._tip(branch)
        return None if tip is None else str(tip["id"])

    def _foreign(self, commit: Mapping[str, Any]) -> bool:
        """Authored or committed by anyone but the token's user (by commit email)."""
        self.bot_login  # noqa: B018 - loads the bot's emails
        return (
            commit.get("author_email") not in self._emails
            or commit.get("committer_email") not in self._emails
        )

    def read_file(self, ref: str, path: str) -> bytes | None:
        raw = self._call(
            f"read {path}",
            lambda: self._project.files.raw(file_path=path, ref=ref, **self._rest()),
            absent_ok=True,
        )
        return None if raw is None else bytes(raw)

    def commit(
        self, branch: str, parent: str, files: Mapping[str, bytes], message: str, *, create: bool
    ) -> str:
        """One commits-API call with create/update actions on ``parent``."""
        actions = [
            {
                "action": "create" if self.read_file(parent, path) is None else "update",
                "file_path": path,
                "content": base64.b64encode(content).decode("ascii"),
                "encoding": "base64",  # the bytes exactly, whatever their encoding or line ends
            }
            for path, content in sorted(files.items())
        ]
        data: dict[str, Any] = {"branch": branch, "commit_message": message, "actions": actions}
        # On the branch's own tip GitLab commits on whatever the tip is by then, so a push landing
        # meanwhile stays (under ours; the next run sees it). A new branch or a rebase onto a moved
        # base names its start, and the rebase forces the branch there: never over a person's
        # commit (the flow looks again and finds it).
        tip = None if create else self._tip(branch)
        if create or tip is None or tip["id"] != parent:
            if tip is not None and self._foreign(tip):
                raise BranchExists(f"GitLab: branch {branch} moved under this run")
            data["start_sha"] = parent
            data["force"] = not create
        try:
            made = self._project.commits.create(data, **self._rest())
        except gitlab.exceptions.GitlabError as exc:
            if create and exc.response_code == 400 and "already exists" in str(exc.error_message):
                raise BranchExists(f"GitLab: branch {branch} was created by another run") from None
            self._fail(f"commit to {branch}", exc)
        except requests.RequestException as exc:
            raise PublishFailed(f"GitLab: cannot commit to {branch}: {type(exc).__name__}") from None
        return str(made.id)

    def foreign_commits(self, base: str, branch: str) -> list[str]:
        """Commits on ``branch`` past ``base`` whose author or committer email is not the bot's."""
        diff = self._call(
            f"compare {base}...{branch}",
            lambda: self._project.repository_compare(base, branch, **self._rest()),
        )
        assert isinstance(diff, dict)
        return [str(c["id"]) for c in diff.get("commits", []) if self._foreign(c)]

    def _review(self, mr: Any) -> ReviewRequest:
        """The MR as the flow sees it; the title without "Draft: " (drafts are kept by ``update_request``)."""
        return ReviewRequest(
            number=int(mr.iid),
            url=str(mr.web_url),
            state=_STATES.get(str(mr.state), "closed"),
            body=str(mr.description or ""),
            branch=str(mr.source_branch),
            title=str(mr.title).removeprefix(_DRAFT),
        )

    def find_request(self, branch: str) -> ReviewRequest | None:
        found = self._call(
            f"list merge requests of {branch}",
            lambda: self._project.mergerequests.list(
                source_branch=branch,
                state="all",
                order_by="created_at",
                sort="desc",
                per_page=1,
                get_all=False,
                **self._rest(),
            ),
        )
        return self._review(found[0]) if found else None

    def open_request(
        self, branch: str, base: str, title: str, body: str, *, draft: bool, labels: Sequence[str]
    ) -> ReviewRequest:
        data: dict[str, Any] = {
            "source_branch": branch,
            "target_branch": base,
            "title": (_DRAFT if draft else "") + title,
            "description": body,
        }
        if labels:
            data["labels"] = ",".join(labels)
        try:
            mr = self._project.mergerequests.create(data, **self._rest())
        except gitlab.exceptions.GitlabError as exc:
            if exc.response_code == 409:
                raise RequestExists(f"GitLab: an open merge request for {branch} exists already") from None
            self._fail(f"open a merge request for {branch}", exc)
        except requests.RequestException as exc:
            raise PublishFailed(f"GitLab: cannot open a merge request: {type(exc).__name__}") from None
        return self._review(mr)

    def update_request(self, number: int, title: str, body: str) -> None:
        """Title and description, only when they differ (a draft stays a draft)."""
        mr = self._call(
            f"read merge request !{number}", lambda: self._project.mergerequests.get(number, **self._rest())
        )
        if mr.draft or str(mr.title).startswith(_DRAFT):
            title = _DRAFT + title
        changes = {k: v for k, v in (("title", title), ("description", body)) if getattr(mr, k) != v}
        if changes:
            self._call(
                f"update merge request !{number}",
                lambda: self._project.mergerequests.update(number, changes, **self._rest()),
            )

    def upsert_comment(self, number: int, marker: str, body: str) -> None:
        """The bot's oldest note on the MR holding ``marker`` is edited when it differs; else one is added."""
        login = self.bot_login
        mr = self._project.mergerequests.get(number, lazy=True)
        notes = self._call(
            f"list notes of !{number}",
            lambda: mr.notes.list(
                sort="asc", order_by="created_at", iterator=False, get_all=True, **self._rest()
            ),
        )
        ours = next(
            (n for n in notes if not n.system and n.author["username"] == login and marker in str(n.body)),
            None,
        )
        if ours is None:
            self._call(f"comment on !{number}", lambda: mr.notes.create({"body": body}, **self._rest()))
        elif ours.body != body:
            self._call(
                f"edit the comment on !{number}",
                lambda: mr.notes.update(ours.id, {"body": body}, **self._rest()),
            )


def gitlab_publisher(section: Any, cache: TokenCache | None = None) -> RemotePublisher:
    """The publisher ``[publish] host = "gitlab"`` describes: merge requests on ``repo`` (group/project).

    With ``cache`` (the wiring's, reporting to the identity audit) the token is taken through it,
    so its use is recorded, and a 401 is recorded as refused."""
    api_url = section.api_url or DEFAULT_API_URL
    token = token_from(section.token_env)  # the clear one-line error when the variable is empty
    refused: Callable[[], None] | None = None
    if cache is not None:
        token = cache.token(api_url, SCOPES).value.get_secret_value()

        def refused() -> None:
            cache.refused(api_url, SCOPES, reason="GitLab answered 401 Unauthorized")

    api = GitLabHost(api_url, str(section.repo), token, max_wait=section.max_wait, on_refused=refused)
    return RemotePublisher(
        api,
        section.collection,
        base_branch=section.base_branch,
        labels=section.labels,
        draft=section.draft,
        max_body=GITLAB_MAX_BODY,
        kind="merge request",
    )
