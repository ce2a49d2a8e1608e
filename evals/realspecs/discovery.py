"""Real data for parameters on real specs: how many tests wait for an object id, and how many
of those a pw-setup request can find, with what it costs.

For the new spec of each issue-16 pair (fetched by :mod:`evals.realspecs.fetch`, or
``--spec FILE`` given directly), every operation is planned and generated as ``generate``
does without a base spec; printed per spec: tests, tests that wait for an id (a guard), the
variables they wait for and how many a setup request finds, the tests whose every id is
found, the setup requests, the time to build the collection with and without discovery and
the collection size with and without the setup folder.
Run: ``python -m evals.realspecs.discovery [--spec FILE ...] [NAME ...]``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from agent.generate import discovery
from agent.generate.deterministic import generate
from agent.generate.postman import build_collection, leaves
from agent.generate.variables import FOUND_PREFIX
from agent.plan import plan
from agent.specs.load import load_spec
from evals.realspecs.fetch import PAIRS, fetch

HEADER = (
    "| spec | tests | wait for an id | ids needed | found by setup | tests fully found | setup requests "
    "| build s (plain → discovery) | MB (plain → discovery) |"
)


def row(path: Path) -> str:
    """One table row for the spec at ``path``."""
    spec = load_spec(str(path), validate=False)
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    started = time.perf_counter()
    plain = build_collection("t", proposals, base_url="")
    plain_seconds = time.perf_counter() - started
    started = time.perf_counter()
    found = build_collection("t", proposals, base_url="", document=spec.document)
    seconds = time.perf_counter() - started
    tests = [
        i for _, i in leaves(found["item"]) if not str(i.get("id", "")).startswith(discovery.SETUP_PREFIX)
    ]
    waiting = [discovery.guarded(i) for i in tests if discovery.guarded(i)]
    needed = {n for names in waiting for n in names}
    first = found["item"][0] if found["item"] else {}
    setup = first.get("item", []) if first.get("name") == discovery.SETUP_FOLDER else []
    flags = "\n".join(line for i in setup for line in i["event"][0]["script"]["exec"])
    reached = {n for n in needed if f'"{FOUND_PREFIX}{n}"' in flags}
    covered = sum(1 for names in waiting if set(names) <= reached)
    size = len(json.dumps(plain)) / 1e6, len(json.dumps(found)) / 1e6
    return (
        f"| {path.stem} | {len(tests)} | {len(waiting)} | {len(needed)} | {len(reached)} | {covered} "
        f"| {len(setup)} | {plain_seconds:.2f} → {seconds:.2f} | {size[0]:.1f} → {size[1]:.1f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--spec", type=Path, action="append", default=[], help="a spec file to measure")
    args = parser.parse_args(argv)
    paths = [*args.spec, *(fetch(name)[1] for name in args.names or ([] if args.spec else list(PAIRS)))]
    print(HEADER)
    print("|---|" + "---|" * 8)
    for path in paths:
        print(row(path), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
