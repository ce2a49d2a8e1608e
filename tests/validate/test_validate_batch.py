"""check_batch: forked workers give the same findings, in the same order, as one process."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from agent.boundary.redact import Redactor
from agent.generate.rules import generate
from agent.models import Proposal
from agent.plan import plan
from agent.validate.batch import MIN_PER_WORKER, check_batch, default_workers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from pw_demo_fixtures import demo_changes, demo_signals, load  # noqa: E402


def _broken(proposal: Proposal, n: int) -> Proposal:
    """A copy that fails the checks: a foreign host, or a literal credential."""
    item = copy.deepcopy(proposal.item)
    if n % 2:
        item["request"]["url"]["raw"] = "https://elsewhere.invalid/x"
    else:
        item["request"]["header"].append({"key": "X-Api-Key", "value": "literal-value-" + str(n)})
    return proposal.model_copy(update={"item": item, "id": f"{proposal.id}-broken-{n}"})


def test_parallel_findings_equal_serial_ones_in_order() -> None:
    spec = load("petstore-v2.yaml")
    base = generate(plan(demo_changes(), demo_signals(), spec, full_spec=True), spec)
    batch: list[Proposal] = []
    n = 0
    while len(batch) < 2 * MIN_PER_WORKER + 50:
        for proposal in base:
            batch.append(proposal)
            if len(batch) % 97 == 0:
                n += 1
                batch.append(_broken(proposal, n))
    serial = list(check_batch(batch, spec, Redactor(), workers=1))
    parallel = list(check_batch(batch, spec, Redactor(), workers=2))
    assert len(parallel) == len(serial) == len(batch)
    assert parallel == serial
    failing = [i for i, findings in enumerate(serial) if any(f.severity == "error" for f in findings)]
    assert failing == [i for i, p in enumerate(batch) if "-broken-" in p.id]


def test_small_batches_and_one_worker_stay_in_process() -> None:
    spec = load("petstore-v2.yaml")
    proposals = generate(plan(demo_changes(), demo_signals(), spec, full_spec=True), spec)
    assert list(check_batch(proposals, spec, Redactor(), workers=8)) == list(
        check_batch(proposals, spec, Redactor(), workers=1)
    )
    assert default_workers() >= 1
