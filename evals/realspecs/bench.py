"""Real spec pairs end to end: diff, generate, validate, verify (a mock of the new spec).

usage: .venv/bin/python -m evals.realspecs.bench [--pairs github,stripe,...] [--tree DIR]
                                                 [--runs 2] [--skip-verify] [--timeout S] [--keep DIR]

Each step runs ``python -m agent`` as a subprocess under ``/usr/bin/time`` (wall time and the
child's peak RSS), with ``PYTHONPATH`` set to ``--tree`` (default: this checkout; give an older
tree made with ``git archive REV | tar -x -C DIR`` to measure before a change). Specs come from
``evals.realspecs.fetch`` (npm pack into a cache folder). Prints a Markdown table: operations
old→new, changes, tests, kept (% of proposals that passed our checks), validate errors, verify
outcomes and pass rate, of all and without the tests that failed only on the spec's own invalid
examples (unfinished = items whose batch timed out or crashed), wall time, CPU time (user + sys,
the forked check workers included: on a shared machine compare these) and peak RSS per step.
Targets (issue 16, GitHub 16.0.0→23.0.2 on 2 cores): generate < 60 s and < 1 GB peak RSS;
verify --runs 2 of everything generated finishes with per-test results. Stripe (145,352
changes, capped at limits.max_changes) must finish generate under 1 GB too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from evals.realspecs.fetch import fetch

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PAIRS = ["github", "stripe", "jira", "kubernetes"]
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_KEPT = re.compile(r"(\d+) tests kept, (\d+) dropped")


def operations(path: Path) -> int:
    """How many operations the spec declares."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        1
        for item in (doc.get("paths") or {}).values()
        if isinstance(item, dict)
        for m in item
        if m in METHODS
    )


def step(argv: list[str], tree: Path, work: Path, timeout: float) -> dict[str, Any]:
    """Run ``python -m agent ARGV`` in ``work``; its stdout, stderr, exit code, seconds, peak MB."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return timed([sys.executable, "-m", "agent", *argv], work, env, timeout)


def timed(argv: list[str], work: Path, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run ARGV in ``work`` under /usr/bin/time: stdout, stderr, exit code, seconds, CPU, peak MB."""
    timing = work / "time.txt"
    cmd = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", str(timing), *argv]
    try:
        done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        out: dict[str, Any] = {"rc": None, "stdout": "", "stderr": "", "seconds": timeout}
        return {**out, "cpu": None, "mb": None, "timed_out": True}
    seconds, kb, user, system = timing.read_text().split()[-4:]
    return {
        "rc": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "seconds": float(seconds),
        "cpu": float(user) + float(system),  # waited-for children (forked check workers) included
        "mb": int(kb) / 1024,
        "timed_out": False,
    }


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def bench_pair(name: str, tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every step on one pair; the numbers for its table row."""
    old, new = fetch(name)
    row: dict[str, Any] = {"spec": name, "ops": f"{operations(old)}→{operations(new)}"}
    with tempfile.TemporaryDirectory(prefix=f"pw-bench-{name}-") as tmp:
        work = Path(tmp) if args.keep is None else args.keep / name
        work.mkdir(parents=True, exist_ok=True)
        out = work / "collection.json"
        diff = step(["diff", "-f", "json", str(old), str(new)], tree, work, args.timeout)
        report = _json(diff["stdout"]) or {}
        row["changes"] = len(report.get("changes") or []) if isinstance(report, dict) else "?"
        row["diff"] = diff
        gen = step(
            ["generate", "--spec", str(new), "--base", str(old), "-o", str(out)], tree, work, args.timeout
        )
        row["generate"] = gen
        kept = _KEPT.search(gen["stderr"])
        if kept:
            k, d = int(kept.group(1)), int(kept.group(2))
            row["tests"], row["kept"] = k, f"{100 * k / max(1, k + d):.1f}%"
        row["collection_mb"] = out.stat().st_size / 1e6 if out.exists() else None
        if not out.exists():
            return row
        val = step(["validate", str(out), "--spec", str(new), "-f", "json"], tree, work, args.timeout)
        findings = _json(val["stdout"]) or []
        row["validate_errors"] = sum(
            1 for f in findings if isinstance(f, dict) and f.get("severity") == "error"
        )
        row["validate"] = val
        if args.skip_verify:
            return row
        verify_argv = ["verify", str(out), "--spec", str(new), "--runs", str(args.runs), "--format", "json"]
        verify_argv += ["--sandbox-dir", str(ROOT / "sandbox")]
        ver = step(verify_argv, tree, work, args.timeout * 4)
        if args.keep is not None:  # the per-item results, to explain failures afterwards
            (work / "verify.json").write_text(ver["stdout"], encoding="utf-8")
            (work / "verify.err").write_text(ver["stderr"], encoding="utf-8")
        row["verify"] = ver
        result = _json(ver["stdout"]) or {}
        items = result.get("items") or [] if isinstance(result, dict) else []
        statuses = Counter(i.get("status") for i in items)
        if items:
            # the spec's own bad examples (outcome spec-example) apart: those failures are the spec's
            ours = len(items) - statuses["spec-example"]
            passed = statuses["passed"]
            row["verify_pass"] = f"{100 * passed / len(items):.1f}% / {100 * passed / max(1, ours):.1f}%"
            row["verify_counts"] = dict(statuses)
    return row


def _cell(result: dict[str, Any] | None) -> str:
    if not result:
        return "–"
    if result["timed_out"]:
        return "timeout"
    mb = f"{result['mb']:.0f} MB" if result["mb"] is not None else "?"
    cpu = f" ({result['cpu']:.1f} s CPU)" if result.get("cpu") is not None else ""
    failed = "" if result["rc"] in (0, 1) else f" (rc {result['rc']})"
    return f"{result['seconds']:.1f} s{cpu} / {mb}{failed}"


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown table of all rows."""
    head = (
        "| spec | ops old→new | changes | tests | kept | collection | validate errors "
        "| verify passed / failed / spec-example / unfinished | pass all / excl. spec-example "
        "| diff | generate | validate | verify |"
    )
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        mb = f"{r['collection_mb']:.1f} MB" if r.get("collection_mb") is not None else "–"
        counts = r.get("verify_counts")
        outcomes = ("passed", "failed", "spec-example", "unfinished")
        verify_counts = " / ".join(str(counts.get(o, 0)) for o in outcomes) if counts else "–"
        cells = [
            r["spec"],
            r["ops"],
            r.get("changes", "–"),
            r.get("tests", "–"),
            r.get("kept", "–"),
            mb,
            r.get("validate_errors", "–"),
            verify_counts,
            r.get("verify_pass", "–"),
            *(_cell(r.get(s)) for s in ("diff", "generate", "validate", "verify")),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default=",".join(DEFAULT_PAIRS))
    parser.add_argument("--tree", type=Path, default=ROOT, help="the postwright tree to measure")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per step (verify: 4x)")
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep each pair's files (collection, verify.json) here")
    args = parser.parse_args(argv)
    rows = []
    for name in args.pairs.split(","):
        rows.append(bench_pair(name, args.tree.resolve(), args))
        print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)  # as each pair ends
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
