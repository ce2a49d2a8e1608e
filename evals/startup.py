"""Start-up time of `postwright --help` and `postwright diff` (target: under 0.5 s each).

Prints the median wall time over N runs and the heaviest imports from `python -X importtime`.
Run: .venv/bin/python -m evals.startup [--runs 7]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "agent" / "examples" / "demo" / "specs"
COMMANDS = {
    "--help": ["--help"],
    "diff": ["diff", str(DEMO / "petstore-v1.yaml"), str(DEMO / "petstore-v2.yaml")],
}


def wall(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def heaviest_imports(args: list[str], top: int = 5) -> list[tuple[int, str]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "agent", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S.*)", line)
        if m and not m.group(2).startswith(" "):
            rows.append((int(m.group(1)), m.group(2).strip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    opts = parser.parse_args()
    print(f"{'command':<10} {'median wall':>12}  heaviest cumulative imports (ms)")
    for name, args in COMMANDS.items():
        median = wall(args, opts.runs)
        heavy = ", ".join(f"{mod} {us / 1000:.0f}" for us, mod in heaviest_imports(args))
        print(f"{name:<10} {median * 1000:>9.0f} ms  {heavy}")


if __name__ == "__main__":
    main()
