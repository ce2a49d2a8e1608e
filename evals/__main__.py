"""Run every measurement of evals/ and write evals/REPORT.md with plots.

usage: .venv/bin/python -m evals [--quick | --full] [--out DIR] [--only AREA,...]
--quick (the default) fits in a few minutes on 2 busy cores and runs in CI; --full is the record
(real servers and real specs too; ~15 min on 2 cores once their installs and spec pairs are cached).
Corpora come from $POSTWRIGHT_CORPORA or ../shared/corpora beside the repository; an absent corpus
is a "skipped: corpus X absent" line.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from evals.suite.run import AREAS, run_all

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, fewer runs (default)")
    size.add_argument("--full", action="store_true", help="the record: every size, real servers and specs")
    parser.add_argument("--out", type=Path, default=HERE, help="where REPORT.md and plots/*.png go")
    parser.add_argument("--only", default="", help=f"comma-separated areas of: {', '.join(AREAS)}")
    args = parser.parse_args(argv)
    only = [a for a in args.only.split(",") if a]
    unknown = [a for a in only if a not in AREAS]
    if unknown:
        parser.error(f"unknown area(s) {', '.join(unknown)}; known: {', '.join(AREAS)}")
    started = time.perf_counter()
    path = run_all(args.full, args.out, only or list(AREAS))
    print(f"wrote {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
