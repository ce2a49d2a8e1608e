"""Cold diff of a 2,000-path pair (validation included) vs openapi-spec-validator alone.

usage: .venv/bin/python -m evals.diff.bench [--paths N] [--runs R]
Each measurement runs in a fresh interpreter (empty caches); times exclude interpreter start
but include every import the work needs. Peak memory is the child's own high-water RSS
(VmHWM: ru_maxrss would carry the parent's RSS over the fork, which matters when `python -m evals`
runs this after larger areas).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DIFF = """
import time, json, re
t0, c0 = time.perf_counter(), time.process_time()
from agent.specs.load import load_spec
from agent.diff import diff_specs
base = load_spec({base!r}); rev = load_spec({rev!r})
t1 = time.perf_counter()
changes = diff_specs(base, rev)
t2 = time.perf_counter()
print(json.dumps({{"total": t2 - t0, "cpu": time.process_time() - c0,
                  "load_validate": t1 - t0, "diff": t2 - t1,
                  "changes": len(changes),
                  "rss_mb": int(re.search(r"VmHWM:\s+(\d+)",
                                          open("/proc/self/status").read()).group(1)) / 1024}}))
"""

VALIDATOR = """
import time, json, re
t0, c0 = time.perf_counter(), time.process_time()
import yaml
from openapi_spec_validator import validate
doc = yaml.load(open({rev!r}).read(), Loader=yaml.CSafeLoader)
t1 = time.perf_counter()
validate(doc)
t2 = time.perf_counter()
print(json.dumps({{"total": t2 - t0, "cpu": time.process_time() - c0, "validate_only": t2 - t1,
                  "rss_mb": int(re.search(r"VmHWM:\s+(\d+)",
                                          open("/proc/self/status").read()).group(1)) / 1024}}))
"""


def _child(code: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(paths: int, runs: int) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Per-run figures of postwright's diff and of the validator alone, interleaved."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(Path(__file__).with_name("gen_specs.py")), tmp, "--paths",
                        str(paths)], check=True)  # fmt: skip
        base, rev = str(Path(tmp) / "base.yaml"), str(Path(tmp) / "revision.yaml")
        ours, theirs = [], []
        for _ in range(runs):  # interleaved: side by side under the same machine load
            ours.append(_child(DIFF.format(base=base, rev=rev)))
            theirs.append(_child(VALIDATOR.format(rev=rev)))
    return ours, theirs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ours, theirs = measure(args.paths, args.runs)
    med = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
    diff_total, val_total = med(ours, "total"), med(theirs, "total")
    print(f"runs: {args.runs} (medians), paths: {args.paths}, changes found: {int(ours[0]['changes'])}")
    print(f"postwright load+validate+diff of BOTH specs: {diff_total:6.2f} s "
          f"(load+validate {med(ours, 'load_validate'):.2f} s, diff {med(ours, 'diff'):.2f} s), "
          f"peak RSS {med(ours, 'rss_mb'):.0f} MB")  # fmt: skip
    print(
        f"openapi-spec-validator alone, revision only: {val_total:6.2f} s "
        f"(validate() call {med(theirs, 'validate_only'):.2f} s), peak RSS {med(theirs, 'rss_mb'):.0f} MB"
    )
    print(
        f"ratio postwright / validator: {diff_total / val_total:.3f} (target <= 0.5); "
        f"absolute target <= 2 s: {'met' if diff_total <= 2 else 'NOT met'}"
    )
    # CPU seconds are less sensitive than wall time to other sessions loading the machine.
    print(f"CPU time: postwright {med(ours, 'cpu'):.2f} s, validator {med(theirs, 'cpu'):.2f} s; "
          f"fastest postwright wall {min(r['total'] for r in ours):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
