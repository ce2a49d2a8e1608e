"""The Airflow 3 REST API (v2) through apache-airflow-client: auth, retries, errors, paging."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import urllib3

from agent.errors import ConfigError, SourceUnreachable
from agent.urls import mask_url

if TYPE_CHECKING:
    from agent.sources.airflow import AirflowSettings

T = TypeVar("T")
PAGE = 100
RETRY_STATUSES = (429, 500, 502, 503, 504)
ENV = "POSTWRIGHT_AIRFLOW__"
MAX_PAGES = 1000
STREAM_BYTES = 64 * 1024


def _retry(settings: AirflowSettings) -> urllib3.Retry:
    """Backoff on 5xx, 429 and connection errors; the last response is returned, not raised."""
    return urllib3.Retry(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        backoff_factor=settings.backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class AirflowApi:
    """A thread-safe session against one Airflow; every failure becomes an agent.errors error."""

    def __init__(self, settings: AirflowSettings) -> None:
        from airflow_client.client import ApiClient, Configuration

        self.settings = settings
        self.base_url = str(settings.base_url).rstrip("/")
        if self.base_url.endswith("/api/v2"):  # the client adds it; doubled, every call is a 404
            self.base_url = self.base_url[: -len("/api/v2")]
        self.shown = mask_url(self.base_url)  # for messages: never its userinfo or a token in its query
        self._lock = threading.Lock()
        config = Configuration(host=self.base_url, access_token=self._initial_token())
        config.verify_ssl = settings.verify_tls
        config.retries = _retry(settings)
        config.connection_pool_maxsize = max(4, settings.max_workers + 2)
        self.config = config
        self.client = ApiClient(config)

    # -- auth -------------------------------------------------------------------------------

    def _initial_token(self) -> str:
        if self.settings.token is not None:
            return self.settings.token.get_secret_value()
        return self._fetch_token()

    def _fetch_token(self) -> str:
        """A JWT from POST /auth/token (outside /api/v2); retried on 5xx, 429 and connect errors."""
        s = self.settings
        if not s.username or s.password is None:
            raise ConfigError(
                f"no credentials for Airflow at {self.shown}",
                hint=f"set {ENV}TOKEN, or {ENV}USERNAME and {ENV}PASSWORD",
            )
        body = {"username": s.username, "password": s.password.get_secret_value()}
        last = ""
        for attempt in range(s.retries + 1):
            if attempt:
                time.sleep(s.backoff * 2 ** (attempt - 1))
            try:
                with httpx.Client(verify=s.verify_tls, timeout=s.timeout) as http:
                    r = http.post(f"{self.base_url}/auth/token", json=body)
            except httpx.HTTPError as exc:
                last = type(exc).__name__
                continue
            if r.status_code in (200, 201):
                try:
                    return str(r.json()["access_token"])
                except (ValueError, KeyError, TypeError):
                    raise SourceUnreachable(
                        f"Airflow at {self.shown} sent no token from /auth/token"
                    ) from None
            if r.status_code in (401, 403):
                raise ConfigError(
                    f"Airflow at {self.shown} rejected user {s.username!r} ({r.status_code})",
                    hint=f"set {ENV}USERNAME and {ENV}PASSWORD",
                )
            if r.status_code not in RETRY_STATUSES:
                raise SourceUnreachable(f"Airflow at {self.shown} answered {r.status_code} on /auth/token")
            last = f"HTTP {r.status_code}"
        raise SourceUnreachable(f"Airflow at {self.shown} is unreachable ({last})")

    def _refresh(self, stale: str | None) -> bool:
        """Get a new JWT after a refusal (expired token) if credentials allow; once per stale token."""
        if self.settings.token is not None or self.settings.password is None:
            return False
        with self._lock:
            if self.config.access_token == stale:
                self.config.access_token = self._fetch_token()
        return True

    def _auth_error(self, status: int) -> ConfigError:
        if self.settings.token is not None:
            hint = f"set {ENV}TOKEN to a valid token with read access to DAGs, runs and logs"
        else:
            hint = f"check {ENV}USERNAME and {ENV}PASSWORD, and that the user may read DAGs and logs"
        return ConfigError(f"Airflow at {self.shown} refused access ({status})", hint=hint)

    # -- calls ------------------------------------------------------------------------------

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one client call; map auth, 404, 5xx and connection failures to one-line errors."""
        from airflow_client.client.exceptions import ApiException

        for attempt in (0, 1):
            token = self.config.access_token
            try:
                return fn()
            except ApiException as exc:
                status = int(exc.status or 0)
                # An expired JWT is refused with 401 or 403: get a new one once, then give up.
                if status in (401, 403) and attempt == 0 and self._refresh(token):
                    continue
                raise self._status_error(what, status) from None
            except urllib3.exceptions.HTTPError as exc:
                raise SourceUnreachable(
                    f"Airflow at {self.shown} is unreachable while reading {what} ({type(exc).__name__})"
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _status_error(self, what: str, status: int) -> Exception:
        if status in (401, 403):
            return self._auth_error(status)
        if status == 404:
            return NotFound(f"{what} not found in Airflow at {self.shown}")
        return SourceUnreachable(f"Airflow at {self.shown} answered {status} while reading {what}")

    # -- listing ----------------------------------------------------------------------------

    def dag_ids(self) -> list[str]:
        """Every DAG id the server knows (paged)."""
        from airflow_client.client import DAGApi

        api = DAGApi(self.client)
        ids: list[str] = []
        offset = 0
        while True:
            page = self.call(
                "DAGs", partial(api.get_dags, limit=PAGE, offset=offset, _request_timeout=self._t())
            )
            ids.extend(d.dag_id for d in page.dags)
            offset += len(page.dags)
            if not page.dags or offset >= (page.total_entries or 0):
                return ids

    def dag_runs(self, dag_id: str, ended_after: datetime | None) -> Iterator[Any]:
        """Finished runs of one DAG ending at or after a time, oldest first."""
        from airflow_client.client import DagRunApi

        api = DagRunApi(self.client)
        offset = 0
        while True:
            page = self.call(
                f"runs of DAG {dag_id!r}",
                partial(
                    api.get_dag_runs,
                    dag_id,
                    end_date_gte=ended_after,
                    state=["success", "failed"],
                    order_by=["end_date", "run_id"],
                    limit=PAGE,
                    offset=offset,
                    _request_timeout=self._t(),
                ),
            )
            yield from page.dag_runs
            offset += len(page.dag_runs)
            if not page.dag_runs or offset >= (page.total_entries or 0):
                return

    def task_instances(self, dag_id: str, run_id: str) -> list[Any]:
        """Every task instance (mapped ones one per map_index) of one run."""
        from airflow_client.client import TaskInstanceApi

        api = TaskInstanceApi(self.client)
        out: list[Any] = []
        offset = 0
        while True:
            page = self.call(
                f"task instances of {dag_id}/{run_id}",
                partial(
                    api.get_task_instances,
                    dag_id,
                    run_id,
                    limit=PAGE,
                    offset=offset,
                    _request_timeout=self._t(),
                ),
            )
            out.extend(page.task_instances)
            offset += len(page.task_instances)
            if not page.task_instances or offset >= (page.total_entries or 0):
                return out

    def log_events(
        self, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int
    ) -> Iterator[Any]:
        """The raw structured events of one try, streamed, following continuation tokens."""
        from airflow_client.client import TaskInstanceApi

        api = TaskInstanceApi(self.client)
        what = f"the log of {dag_id}/{run_id}/{task_id} try {try_number}"
        token: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            response = self.call(
                what, partial(self._open_log, api, dag_id, run_id, task_id, try_number, map_index, token)
            )
            count = 0
            meta: dict[str, Any] = {}
            try:
                for item in _events(response, meta):
                    count += 1
                    yield item
                # NDJSON: Airflow computes its Airflow-Continuation-Token header before the stream
                # runs, so it is always {"download_logs": true} and following it re-reads the whole
                # log (measured on 3.3.2). The stream is the full log: only JSON bodies are paged.
                token = meta.get("continuation_token")
            except urllib3.exceptions.HTTPError as exc:
                raise SourceUnreachable(
                    f"Airflow at {self.shown} broke off {what} ({type(exc).__name__})"
                ) from None
            finally:
                response.release_conn()
            # A token without new events means the task is still writing: stop, never spin.
            if not token or not count or token in seen:
                return
            seen.add(token)

    def _open_log(
        self,
        api: Any,
        dag_id: str,
        run_id: str,
        task_id: str,
        try_number: int,
        map_index: int,
        token: str | None,
    ) -> Any:
        """Open one log response unread; NDJSON streams, so memory stays bounded by the chunk size."""
        from airflow_client.client.exceptions import ApiException

        response = api.get_log_without_preload_content(
            dag_id,
            run_id,
            task_id,
            try_number,
            full_content=True,
            map_index=map_index,
            token=token,
            # Only this exact value makes Airflow stream; the typed client would reject it.
            _headers={"Accept": "application/x-ndjson"},
            _request_timeout=self._t(),
        )
        if response.status >= 400:
            response.release_conn()
            raise ApiException(status=response.status, reason=response.reason)
        return response

    def _t(self) -> float:
        return float(self.settings.timeout)


def _events(response: Any, meta: dict[str, Any]) -> Iterator[Any]:
    """Parsed events from an NDJSON stream, or from a JSON body (servers that do not stream)."""
    if "ndjson" not in (response.headers.get("Content-Type") or ""):
        data = _loads(response.read())
        content = data.get("content") if isinstance(data, dict) else data
        if isinstance(data, dict):
            meta["continuation_token"] = data.get("continuation_token")
        yield from content if isinstance(content, list) else [content]
        return
    buf = bytearray()
    for block in response.stream(STREAM_BYTES, decode_content=True):
        buf += block
        start = 0
        while (end := buf.find(b"\n", start)) >= 0:
            if end > start:
                yield _loads(bytes(buf[start:end]))
            start = end + 1
        del buf[:start]
    if buf.strip():
        yield _loads(bytes(buf))


def _loads(raw: bytes) -> Any:
    """One JSON value; invalid UTF-8 is replaced, a line that is not JSON stays text."""
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class NotFound(SourceUnreachable):
    """A DAG, run or log the API does not have (404)."""
