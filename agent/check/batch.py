"""Checking a whole batch of proposals: the spec checks and the outbound secret gate, in order.

The checks are pure Python and CPU-bound. In full-spec mode thousands of proposals are
written, so chunks of them are checked in forked worker processes while the generator is
still writing the next ones: a fork shares the chunk, the spec and the compiled rules with
the worker for free, and only the findings travel back. Where fork is unavailable, with one
worker, or for small chunks, the checks run in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any

from agent.boundary.inbound.redact import Redactor
from agent.boundary.outbound.secret_gate import secret_findings
from agent.check.proposal import check_proposal
from agent.check.spec_context import context_for
from agent.models import Finding, Proposal, SpecDocument

MIN_CHUNK = 500  # below this, a worker costs more than it saves
CHUNK = 1000  # what producers should submit at a time
WARM = 50  # proposals checked here before the first fork (loads what the checks memoise)


def default_workers() -> int:
    """The CPUs this process may use (at most 8)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    return max(1, min(usable, 8))


def findings_of(proposal: Proposal, spec: SpecDocument, redactor: Redactor) -> list[Finding]:
    """Every finding for one proposal: the spec checks, the guard's policy, the secret gate."""
    ctx = context_for(spec)
    return [*check_proposal(proposal, spec, ctx), *secret_findings(redactor, proposal, ctx.public_values)]


def _work(conn: Connection, chunk: Sequence[Proposal], spec: SpecDocument, redactor: Redactor) -> None:
    """Worker side (forked): check the chunk, send the findings back (None: it failed)."""
    try:
        found: list[list[Finding]] | None = [findings_of(p, spec, redactor) for p in chunk]
    except BaseException:  # noqa: BLE001 - the parent re-checks the chunk and raises the error itself
        found = None
    conn.send(found)
    conn.close()


class BatchChecker:
    """Checks proposals as they are submitted; ``results()`` gives their findings in order.

    With ``workers`` > 1, each chunk of at least ``MIN_CHUNK`` proposals is checked in a
    forked process, at most ``workers - 1`` at once while the caller is still submitting
    (the caller is busy generating) and ``workers`` once it asks for the results.
    """

    def __init__(self, spec: SpecDocument, redactor: Redactor, *, workers: int = 1) -> None:
        self.spec = spec
        self.redactor = redactor
        self.parallel = workers > 1 and "fork" in multiprocessing.get_all_start_methods()
        self.workers = workers
        self._chunks: list[Sequence[Proposal]] = []
        self._started: dict[int, tuple[Any, Connection]] = {}  # chunk index -> (process, pipe)
        self._done: dict[int, list[list[Finding]]] = {}  # chunk index -> findings, checked here
        self._warm = False  # whether a chunk was checked here yet (see _dispatch)

    def submit(self, proposals: Sequence[Proposal]) -> None:
        """Queue a chunk; a worker starts on it if one is free."""
        if self.parallel and not self._warm and len(proposals) >= MIN_CHUNK + WARM:
            # Warm up on a few proposals only: the rest of the first chunk goes to a worker
            # at once instead of holding up the generator (it was a whole chunk checked here).
            self._chunks.append(proposals[:WARM])
            self._done[len(self._chunks) - 1] = [
                findings_of(p, self.spec, self.redactor) for p in proposals[:WARM]
            ]
            self._warm = True
            proposals = proposals[WARM:]
        if proposals:
            self._chunks.append(proposals)
            self._dispatch(self.workers - 1)

    def _dispatch(self, slots: int) -> None:
        if not self.parallel:
            return
        running = sum(1 for process, _ in self._started.values() if process.is_alive())
        for index, chunk in enumerate(self._chunks):
            if running >= max(slots, 1):
                return
            if index in self._started or index in self._done or len(chunk) < MIN_CHUNK:
                continue
            if not self._warm:
                # The first chunk is checked here: that loads what the checks load and memoise
                # lazily (the script parser and its memo of script shapes, the compiled
                # prefilters, the spec's validators) once, before the forks share it.
                self._done[index] = [findings_of(p, self.spec, self.redactor) for p in chunk]
                self._warm = True
                continue
            ctx = multiprocessing.get_context("fork")
            receiver, sender = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_work, args=(sender, chunk, self.spec, self.redactor), daemon=True)
            process.start()
            sender.close()
            self._started[index] = (process, receiver)
            running += 1

    def results(self) -> Iterator[list[Finding]]:
        """The findings of every submitted proposal, in submission order."""
        try:
            for index, chunk in enumerate(self._chunks):
                self._dispatch(self.workers)
                if index in self._done:
                    yield from self._done.pop(index)
                    continue
                started = self._started.get(index)
                if started is None:
                    for proposal in chunk:
                        yield findings_of(proposal, self.spec, self.redactor)
                    continue
                process, receiver = started
                try:
                    found: list[list[Finding]] | None = receiver.recv()
                except EOFError:  # the worker died (killed, out of memory)
                    found = None
                receiver.close()
                process.join()
                # A chunk whose worker failed is checked here, so its error surfaces as usual.
                yield from (
                    found if found is not None else (findings_of(p, self.spec, self.redactor) for p in chunk)
                )
        finally:
            self.close()

    def close(self) -> None:
        """Stop any worker still running (results no longer wanted)."""
        for process, receiver in self._started.values():
            if process.is_alive():
                process.kill()
                process.join()
            receiver.close()
        self._started.clear()
