"""Checking a whole batch of proposals: the spec checks and the outbound secret gate, in order.

The checks are pure Python and CPU-bound, so a large batch (full-spec mode writes thousands
of proposals) is split over forked worker processes: a fork shares the proposals, the spec
and the compiled rules with the workers for free, and only findings travel back. Where
fork is unavailable, or the batch is small, the checks run in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from typing import Any

from agent.boundary.outbound import secret_findings
from agent.boundary.redact import Redactor
from agent.models import Finding, Proposal, SpecDocument
from agent.validate.context import SpecContext, context_for
from agent.validate.proposal import check_proposal

MIN_PER_WORKER = 1000  # below this, starting workers costs more than it saves
_CHUNK = 500

# What forked workers check: set in the parent just before the fork, read in the children.
_BATCH: tuple[Sequence[Proposal], SpecDocument, Redactor] | None = None


def default_workers() -> int:
    """The CPUs this process may use (at most 8)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    return max(1, min(usable, 8))


def _findings(
    proposal: Proposal, spec: SpecDocument, context: SpecContext, redactor: Redactor
) -> list[Finding]:
    return [*check_proposal(proposal, spec, context), *secret_findings(redactor, proposal)]


def _check_range(bounds: tuple[int, int]) -> list[list[Finding]]:
    """Worker side: the findings of proposals ``bounds[0]:bounds[1]`` of the forked batch."""
    assert _BATCH is not None, "a worker runs only inside check_batch"
    proposals, spec, redactor = _BATCH
    context = context_for(spec)  # compiled once per worker, then cached
    return [_findings(p, spec, context, redactor) for p in proposals[bounds[0] : bounds[1]]]


def check_batch(
    proposals: Sequence[Proposal], spec: SpecDocument, redactor: Redactor, *, workers: int = 1
) -> Iterator[list[Finding]]:
    """The findings of each proposal, in the order given (errors mean: drop it)."""
    global _BATCH
    workers = min(workers, len(proposals) // MIN_PER_WORKER)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        context = SpecContext(spec)  # indexes and compiled schemas, shared by every proposal
        for proposal in proposals:
            yield _findings(proposal, spec, context, redactor)
        return
    # The first proposal is checked here: that loads what the checks load lazily (the script
    # parser, the compiled prefilters, the spec's validators) once, before the fork shares it.
    yield _findings(proposals[0], spec, context_for(spec), redactor)
    bounds = [(lo, min(lo + _CHUNK, len(proposals))) for lo in range(1, len(proposals), _CHUNK)]
    _BATCH = (proposals, spec, redactor)
    try:
        pool: Any = multiprocessing.get_context("fork").Pool(workers)
        with pool:
            for chunk in pool.imap(_check_range, bounds):
                yield from chunk
    finally:
        _BATCH = None
