"""Worker threads: take jobs from the durable queue, one per pull request at a time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from agent.bot.metrics import Metrics
from agent.bot.queue import BotQueue

log = logging.getLogger("postwright.bot")


class Workers:
    """``count`` threads draining ``queue`` through ``handle``; ``wake`` after a job is queued."""

    def __init__(
        self, queue: BotQueue, handle: Callable[[dict[str, Any]], bool], count: int, metrics: Metrics
    ) -> None:
        self.queue, self.handle, self.count, self.metrics = queue, handle, count, metrics
        self._wake = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        recovered = self.queue.recover()
        if recovered:
            log.info("recovered", extra={"jobs": recovered})
        for i in range(self.count):
            thread = threading.Thread(target=self._loop, name=f"postwright-bot-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs and wait for the running ones (a job cut short is queued again at start)."""
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            job = self.queue.claim()
            if job is None:
                with self._wake:
                    self._wake.wait(0.5)
                continue
            started = time.monotonic()
            ok = False
            try:
                ok = self.handle(job.payload)
            except Exception as exc:  # noqa: BLE001 - a failed job is recorded; the worker goes on
                log.warning("job failed", extra={"pull": job.pull, "error": f"{type(exc).__name__}: {exc}"})
            finally:
                self.queue.finish(job, ok)
                self.metrics.jobs.labels("done" if ok else "failed").inc()
                self.metrics.duration.observe(time.monotonic() - started)
                log.info(
                    "job finished",
                    extra={"pull": job.pull, "ok": ok, "seconds": round(time.monotonic() - started, 3)},
                )
            self.wake()  # the next job of this pull request may go now
