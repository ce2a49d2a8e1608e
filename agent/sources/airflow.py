"""Airflow 3 as a log source: failed task tries and their logs through the REST API (v2).

``AirflowSource(settings, store).logs()`` lists the finished DAG runs in scope, their task
instances and tries, fetches each try's structured log concurrently (a bounded pool, streamed
as NDJSON) and yields ``RawLog`` objects whose chunks are JSON lines in the same format as
Airflow's log files, so the same signal extraction handles both. A watermark per DAG in the
store makes each nightly run read only what finished since the last one; it advances over a
run only after every log of that run was consumed, so a run that dies half-way is re-read.
The pipeline reads through ``logs_since(marks)`` with a buffer of its own and commits the
marks in the transaction that stores the proposals derived from those logs; a pass killed
before that commit leaves the stored marks where they were.
A mark holds the last end date and digests of the run ids consumed at it, never a run id
(a manual run's id is whatever its trigger chose) nor the URL's credentials (``url_key``).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from agent.errors import ConfigError
from agent.models import Provenance
from agent.ports import RawLog
from agent.sources.airflow_api import ENV, AirflowApi, NotFound
from agent.sources.airflow_logs import log_name, render_events
from agent.sources.airflow_pool import Prefetch, Stream
from agent.urls import url_key

__all__ = ["AirflowSettings", "AirflowSource", "WatermarkStore"]


class AirflowSettings(BaseModel):
    """How to reach Airflow and what to read from it. Secrets never appear in a repr."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = "http://127.0.0.1:8080"
    username: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = Field(default=None, description="a pre-issued JWT; wins over username/password")
    dag_ids: list[str] = Field(default_factory=list, description="ids or fnmatch patterns; empty: all DAGs")
    states: list[str] = Field(
        default_factory=lambda: ["failed", "up_for_retry"],
        description="task states to read; up_for_retry also reads failed tries of tasks that later succeeded",
    )
    since: datetime | None = Field(default=None, description="read only runs that ended at or after this")
    verify_tls: bool = True
    timeout: float = 30
    max_workers: int = Field(default=8, ge=1, le=64)
    retries: int = Field(default=4, ge=0)
    backoff: float = Field(default=0.5, ge=0)


class WatermarkStore(Protocol):
    """The part of the store the source uses."""

    def get_watermark(self, key: str) -> str | None: ...

    def set_watermark(self, key: str, value: str) -> None: ...


class _NoMarks:
    """No store: every pass reads from ``since`` and remembers nothing."""

    def get_watermark(self, key: str) -> str | None:
        return None

    def set_watermark(self, key: str, value: str) -> None:
        return None


@dataclass(frozen=True)
class _Log:
    """One try of one task instance to fetch."""

    run: _Run
    provenance: Provenance


@dataclass
class _Run:
    """A DAG run in scope; a marker for it follows its last log in the job stream."""

    dag_id: str
    run_id: str
    end_date: datetime
    logs: int = 0
    drained: int = 0


def _digest(run_id: str) -> str:
    """What a watermark keeps of a run id: enough to recognise it, nothing to read back."""
    return hashlib.sha256(run_id.encode()).hexdigest()[:24]


def _state(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value or "")


class AirflowSource:
    """Yields the logs of task tries in scope; satisfies agent.ports.LogSource."""

    def __init__(self, settings: AirflowSettings, store: WatermarkStore | None = None) -> None:
        self.settings = settings
        self.store = store
        self._api: AirflowApi | None = None

    @property
    def api(self) -> AirflowApi:
        """The API session, connected (and authenticated) on first use."""
        if self._api is None:
            self._api = AirflowApi(self.settings)
        return self._api

    def watermark_key(self, dag_id: str) -> str:
        """The store key of a DAG's watermark: the URL without credentials, so it outlives them."""
        return f"airflow:{url_key(self.api.base_url)}:{dag_id}"

    def dag_ids(self) -> list[str]:
        """The DAG ids in scope: explicit ids as given, patterns matched against the server's DAGs."""
        wanted = self.settings.dag_ids or ["*"]
        explicit = [d for d in wanted if not any(c in d for c in "*?[")]
        patterns = [d for d in wanted if d not in explicit]
        ids = list(explicit)
        if patterns:
            for dag_id in self.api.dag_ids():
                if dag_id not in ids and any(fnmatch.fnmatchcase(dag_id, p) for p in patterns):
                    ids.append(dag_id)
        return ids

    def logs(self) -> Iterator[RawLog]:
        """Every in-scope try's log, oldest run first; moves the store's watermarks as runs are consumed."""
        return self.logs_since(self.store if self.store is not None else _NoMarks())

    def logs_since(self, marks: WatermarkStore) -> Iterator[RawLog]:
        """The tries after ``marks``, oldest run first; records in ``marks`` each run consumed whole."""
        prefetch: Prefetch[_Log | _Run] = Prefetch(
            self._fetch, lambda j: isinstance(j, _Log), self.settings.max_workers
        )
        blocked: set[str] = set()  # DAGs whose watermark must not move any more in this pass
        # closing(): a consumer that stops early releases the workers now, not at garbage collection.
        with closing(prefetch.run(self._jobs(marks))) as jobs:
            for job, stream in jobs:
                if isinstance(job, _Run):
                    self._run_done(job, blocked, marks)
                    continue
                assert stream is not None
                yield RawLog(
                    name=log_name(job.provenance), provenance=job.provenance, chunks=self._count(job, stream)
                )

    def _count(self, job: _Log, stream: Stream) -> Iterator[str]:
        yield from stream
        job.run.drained += 1

    def _run_done(self, run: _Run, blocked: set[str], marks: WatermarkStore) -> None:
        """A run's logs were all handed out: move the watermark if every one was read to the end."""
        if run.drained < run.logs:
            blocked.add(run.dag_id)
        if run.dag_id in blocked:
            return
        before = self._watermark(run.dag_id, marks)
        # Runs that ended at the same instant are told apart by the digests kept with the mark.
        same = before[1] if before is not None and before[0] == run.end_date else frozenset()
        mark = {"end_date": run.end_date.isoformat(), "runs": sorted(same | {_digest(run.run_id)})}
        marks.set_watermark(self.watermark_key(run.dag_id), json.dumps(mark))

    def _watermark(self, dag_id: str, marks: WatermarkStore) -> tuple[datetime, frozenset[str]] | None:
        """The last end date read to the end, and the digests of the runs read that ended then."""
        raw = marks.get_watermark(self.watermark_key(dag_id))
        if not raw:
            return None
        try:
            data = json.loads(raw)
            runs = [_digest(str(data["run_id"]))] if "run_id" in data else data["runs"]  # older marks
            return datetime.fromisoformat(data["end_date"]), frozenset(str(r) for r in runs)
        except (ValueError, KeyError, TypeError):
            return None  # an unreadable mark means: read from `since` again, never skip

    def _jobs(self, marks: WatermarkStore) -> Iterator[_Log | _Run]:
        """Runs in scope (per DAG, by end date), each followed by its marker."""
        for dag_id in self.dag_ids():
            mark = self._watermark(dag_id, marks)
            after = self.settings.since
            if mark is not None and (after is None or mark[0] >= after):
                after = mark[0]
            try:
                for run in self.api.dag_runs(dag_id, after):
                    if run.end_date is None:
                        continue
                    if mark is not None and (
                        run.end_date < mark[0]
                        or (run.end_date == mark[0] and _digest(run.dag_run_id) in mark[1])
                    ):
                        continue  # at or before the watermark: read in an earlier pass
                    item = _Run(dag_id, run.dag_run_id, run.end_date)
                    for provenance in self._tries(item):
                        item.logs += 1
                        yield _Log(item, provenance)
                    yield item
            except NotFound:
                raise ConfigError(
                    f"DAG {dag_id!r} does not exist in Airflow at {self.api.shown}",
                    hint=f"check {ENV}DAG_IDS",
                ) from None

    def _tries(self, run: _Run) -> Iterator[Provenance]:
        """The tries to read in one run, by the configured states."""
        states = set(self.settings.states)
        try:
            instances = self.api.task_instances(run.dag_id, run.run_id)
        except NotFound:
            return  # the run was deleted after it was listed
        for ti in instances:
            last = int(ti.try_number or 0)
            if _state(ti.state) in states:
                tries = range(1, last + 1)
            elif "up_for_retry" in states:
                tries = range(1, last)  # earlier tries failed and were retried
            else:
                continue
            map_index = -1 if ti.map_index is None else int(ti.map_index)
            for n in tries:
                yield Provenance(
                    dag_id=run.dag_id,
                    run_id=run.run_id,
                    task_id=ti.task_id,
                    try_number=n,
                    map_index=map_index,
                )

    def _fetch(self, job: _Log | _Run) -> Iterator[str]:
        """Runs in a worker thread: stream one log as JSON-line chunks."""
        assert isinstance(job, _Log)
        p = job.provenance
        map_index = -1 if p.map_index is None else p.map_index
        events = self.api.log_events(
            p.dag_id or "", p.run_id or "", p.task_id or "", p.try_number or 0, map_index
        )
        try:
            yield from render_events(events, p)
        except NotFound:
            return  # a try without a log (never started, or cleared): nothing to read
