"""BatchChecker: forked workers give the same findings, in the same order, as one process."""

from __future__ import annotations

import copy
import os

from agent.boundary.inbound.redact import Redactor
from agent.check.batch import CHUNK, MIN_CHUNK, WARM, BatchChecker, default_workers
from agent.generate.deterministic import generate
from agent.models import Proposal
from agent.plan import plan
from tests.plan.pw_demo_fixtures import demo_changes, demo_signals, load


def _broken(proposal: Proposal, n: int) -> Proposal:
    """A copy that fails the checks: a foreign host, or a literal credential."""
    item = copy.deepcopy(proposal.item)
    if n % 2:
        item["request"]["url"]["raw"] = "https://elsewhere.invalid/x"
    else:
        item["request"]["header"].append({"key": "X-Api-Key", "value": "literal-value-" + str(n)})
    return proposal.model_copy(update={"item": item, "id": f"{proposal.id}-broken-{n}"})


def _checked(batch: list[Proposal], spec, workers: int, size: int = CHUNK) -> list:
    checker = BatchChecker(spec, Redactor(), workers=workers)
    for start in range(0, len(batch), size):
        checker.submit(batch[start : start + size])
    return list(checker.results())


def _batch(spec, count: int) -> list[Proposal]:
    base = generate(plan(demo_changes(), demo_signals(), spec, full_spec=True), spec)
    batch: list[Proposal] = []
    n = 0
    while len(batch) < count:
        for proposal in base:
            batch.append(proposal)
            if len(batch) % 97 == 0:
                n += 1
                batch.append(_broken(proposal, n))
    return batch


def test_parallel_findings_equal_serial_ones_in_order() -> None:
    spec = load("petstore-v2.yaml")
    # chunks big enough for workers, and a small last one checked in-process
    batch = _batch(spec, 3 * CHUNK + MIN_CHUNK // 2)
    serial = _checked(batch, spec, workers=1)
    parallel = _checked(batch, spec, workers=3)
    assert len(parallel) == len(serial) == len(batch)
    assert parallel == serial
    failing = [i for i, findings in enumerate(serial) if any(f.severity == "error" for f in findings)]
    assert failing == [i for i, p in enumerate(batch) if "-broken-" in p.id]


def test_a_failing_worker_chunk_is_checked_in_process(monkeypatch) -> None:
    import agent.check.batch as batch_module

    spec = load("petstore-v2.yaml")
    batch = _batch(spec, 2 * CHUNK)
    expected = _checked(batch, spec, workers=1)
    real = batch_module.findings_of
    parent = os.getpid()

    def flaky(proposal, spec, redactor):
        if os.getpid() != parent:
            raise RuntimeError("worker failure")
        return real(proposal, spec, redactor)

    monkeypatch.setattr(batch_module, "findings_of", flaky)
    assert _checked(batch, spec, workers=2) == expected


def test_small_batches_and_one_worker_stay_in_process() -> None:
    spec = load("petstore-v2.yaml")
    proposals = generate(plan(demo_changes(), demo_signals(), spec, full_spec=True), spec)
    assert _checked(proposals, spec, workers=8) == _checked(proposals, spec, workers=1)
    assert default_workers() >= 1


def test_only_a_warm_up_is_checked_in_the_parent(monkeypatch) -> None:
    import agent.check.batch as batch_module

    spec = load("petstore-v2.yaml")
    batch = _batch(spec, 4 * CHUNK)[: 4 * CHUNK]
    real = batch_module.findings_of
    parent = os.getpid()
    in_parent = []

    def counted(proposal, spec, redactor):
        if os.getpid() == parent:
            in_parent.append(proposal.id)
        return real(proposal, spec, redactor)

    monkeypatch.setattr(batch_module, "findings_of", counted)
    assert len(_checked(batch, spec, workers=2)) == len(batch)
    # a few proposals warm up what the checks memoise; the rest of the first chunk and the
    # other three go to workers, so the generator is not held up by a whole chunk
    assert len(in_parent) == WARM
