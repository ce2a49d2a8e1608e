"""Speed: full-spec generation for the synthetic spec of evals/diff/gen_specs.py, postwright vs Portman.

usage: .venv/bin/python -m evals.generate.bench [--paths 2000] [--no-check] [--workers N] [--cli]
                                                 [--skip-portman]
postwright runs in-process, phase by phase (load, plan, generate with checks running alongside
in worker processes, the rest of the checks, collection, schema check, JSON), the steps of
`postwright generate --spec SPEC` with no --base minus the state store and spec redaction;
``--cli`` also times that command end to end. ``--no-check`` skips the per-proposal checks
(the target counts them). Portman 1.33 runs as its CLI
(`portman -l SPEC -o OUT`, default config) from evals/portman/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from agent.check.batch import default_workers
from evals.diff.gen_specs import base_spec
from evals.postman_stats import PORTMAN, count

ROOT = Path(__file__).resolve().parents[2]


def postwright(spec: Path, out: Path, validate: bool, workers: int) -> tuple[dict[str, float], str]:
    """Phase timings (seconds) and a summary line."""
    from agent.boundary.inbound.redact import Redactor
    from agent.check import check_collection
    from agent.check.batch import CHUNK, BatchChecker
    from agent.generate.deterministic import generate
    from agent.generate.postman import build_collection, operation_tags
    from agent.jsontext import pretty
    from agent.plan import plan
    from agent.specs.load import load_spec

    t: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        t[name] = now - mark
        mark = now

    revision = load_spec(str(spec))
    lap("load")
    intents = plan([], [], revision, full_spec=True)
    lap("plan")
    # As the pipeline does: chunks of proposals are checked (spec checks, guard policy, secret
    # gate) in forked workers while the next chunk is generated; then the rest is awaited.
    checker = BatchChecker(revision, Redactor(), workers=workers if validate else 1)
    proposals = []
    for start in range(0, len(intents), CHUNK):
        chunk = generate(intents[start : start + CHUNK], revision, seed=0)
        if validate:
            checker.submit(chunk)
        proposals += chunk
    lap("generate")
    dropped = sum(1 for findings in checker.results() if any(f.severity == "error" for f in findings))
    lap("check")
    tags = operation_tags(revision.document)
    collection = build_collection("Bench", proposals, base_url="http://localhost", tags=tags)
    lap("collection")
    problems = [f for f in check_collection(collection) if f.severity == "error"]
    lap("schema-check")
    text = pretty(collection)  # as `postwright generate` writes it
    out.write_text(text)
    lap("write")
    requests, tests = count(collection)
    summary = (
        f"{len(intents)} intents, {requests} requests, {tests} pm.test, {len(text) / 1e6:.0f} MB, "
        f"{dropped} of {len(proposals) if validate else 0} checked dropped, {len(problems)} collection errors"
    )
    return t, summary


def portman(spec: Path, out: Path, work: Path) -> tuple[float, str]:
    """Wall seconds of the Portman CLI, and a summary line."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(PORTMAN), "-l", str(spec), "-o", str(out)], cwd=work, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"portman failed ({done.returncode}): {done.stderr[-500:]}")
    requests, tests = count(json.loads(out.read_text()))
    return seconds, f"{requests} requests, {tests} pm.test, {out.stat().st_size / 1e6:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=2000)
    parser.add_argument("--no-check", action="store_true", help="skip the per-proposal checks")
    parser.add_argument("--skip-portman", action="store_true")
    parser.add_argument("--workers", type=int, default=0, help="check-stage processes (0: one per CPU)")
    parser.add_argument("--cli", action="store_true", help="also time `postwright generate` end to end")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pw-genbench-") as tmp:
        work = Path(tmp)
        doc = base_spec(args.paths)
        spec = work / "spec.yaml"
        spec.write_text(yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False))
        n_ops = sum(len([k for k in item if k in ("get", "put")]) for item in doc["paths"].values())
        args.workers = args.workers or default_workers()
        print(f"check stage: {args.workers} worker process(es)")
        print(f"spec: {args.paths} paths, {n_ops} operations, {spec.stat().st_size / 1e6:.1f} MB")
        phases, summary = postwright(spec, work / "postwright.json", not args.no_check, args.workers)
        total = sum(phases.values())
        shown = "  ".join(f"{k} {v:.1f}s" for k, v in phases.items())
        checked = "without per-proposal checks" if args.no_check else "every proposal checked"
        print(f"postwright: {total:.1f}s total ({checked})")
        print(f"  phases: {shown}")
        print(f"  {summary}")
        cli_seconds = None
        if args.cli:
            started = time.perf_counter()
            done = subprocess.run(
                [
                    str(ROOT / ".venv" / "bin" / "postwright"),
                    "generate",
                    "--spec",
                    str(spec),
                    "-o",
                    str(work / "cli.json"),
                ],
                cwd=work,
                capture_output=True,
                text=True,
            )
            cli_seconds = time.perf_counter() - started
            print(f"postwright CLI: {cli_seconds:.1f}s (exit {done.returncode}) {done.stderr.strip()[-200:]}")
        if args.skip_portman:
            return
        pm_seconds, pm_summary = portman(spec, work / "portman.json", work)
        print(f"portman:    {pm_seconds:.1f}s  ({pm_summary})")
        print(f"ratio postwright/portman: {total / pm_seconds:.2f}x ({checked}; target <= 0.2x)")
        if cli_seconds is not None:
            print(f"ratio postwright CLI/portman: {cli_seconds / pm_seconds:.2f}x")


if __name__ == "__main__":
    main()
