"""Fetch many logs at once while handing them out in order; memory bounded by the pool."""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

J = TypeVar("J")
_END = object()
QUEUE_CHUNKS = 16  # per log in flight: 16 x 64 KB chunks at most


@dataclass
class _Failure:
    error: BaseException


class Stream:
    """Chunks of one log, filled by a worker thread; iterate once, in the consumer."""

    def __init__(self) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._cancelled = threading.Event()
        self.drained = False

    def put(self, item: object) -> bool:
        """Hand one item over; False when the consumer gave up on this log."""
        while not self._cancelled.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def cancel(self) -> None:
        """Release the worker: nobody will read the rest."""
        self._cancelled.set()

    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._cancelled.is_set():
                    raise RuntimeError(
                        "this log was skipped: read each log before asking for the next"
                    ) from None
                continue
            if item is _END:
                self.drained = True
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]


def _fill(stream: Stream, fetch: Callable[[], Iterable[str]]) -> None:
    try:
        for chunk in fetch():
            if not stream.put(chunk):
                return
    except BaseException as exc:  # noqa: BLE001 - a worker thread: anything the fetch raises is raised in the consumer
        stream.put(_Failure(exc))
        return
    stream.put(_END)


@dataclass
class Prefetch(Generic[J]):
    """Runs `fetch(job)` for up to `workers` jobs ahead of the consumer; yields in input order.

    Items for which `is_job` is false (markers) pass through in order with no stream.
    """

    fetch: Callable[[J], Iterable[str]]
    is_job: Callable[[J], bool]
    workers: int

    def run(self, items: Iterable[J]) -> Generator[tuple[J, Stream | None], None, None]:
        window: deque[tuple[J, Stream | None]] = deque()
        pending = iter(items)
        in_flight = 0
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="airflow-log")
        try:
            exhausted = False
            while True:
                while in_flight < self.workers and len(window) < 4 * self.workers and not exhausted:
                    try:
                        item = next(pending)
                    except StopIteration:
                        exhausted = True
                        break
                    stream = None
                    if self.is_job(item):
                        stream = Stream()
                        pool.submit(_fill, stream, lambda item=item: self.fetch(item))  # type: ignore[misc]
                        in_flight += 1
                    window.append((item, stream))
                if not window:
                    return
                item, stream = window.popleft()
                if stream is not None:
                    in_flight -= 1
                try:
                    yield item, stream
                finally:
                    # The consumer moved on (or left): a log it did not finish frees its worker.
                    if stream is not None and not stream.drained:
                        stream.cancel()
        finally:
            for _, left in window:
                if left is not None:
                    left.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
