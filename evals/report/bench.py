"""Size and render time of ``report.html``: the demo's run, and a large synthetic run.

The demo runs the bundled example offline without verify (a temp workspace); the large run has
``--operations`` operations, as many changes and proposals, and a failure for every tenth.
Run: .venv/bin/python -m evals.report.bench [--repeat 20] [--operations 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from agent import demo, wiring
from agent.config import load_settings
from agent.events import RunDetails, RunFinished, StageTime
from agent.models import Change, Intent, IntentKind, LogSignal, Proposal, Redaction, RunSummary
from agent.report.build import build_report
from agent.report.render import render_report


def demo_run(root: Path) -> RunFinished:
    """The demo's run (no verify), as the CLI sees it."""
    ws = demo.prepare(root)
    settings = load_settings(config=ws.root / "postwright.toml", state_dir=ws.root / ".postwright")
    sandbox = settings.sandbox.model_copy(update={"enabled": False})
    settings = settings.model_copy(update={"sandbox": sandbox})
    with wiring.build(settings) as pipeline:
        events = list(pipeline.run(wiring.job(settings, kind="demo", name="Petstore")))
    last = events[-1]
    assert isinstance(last, RunFinished)
    return last


def large_run(n: int) -> RunFinished:
    """A synthetic run with ``n`` operations, changes and proposals."""
    ops = [f"GET /resource{i}/{{id}}/items" for i in range(n)]
    changes = [
        Change(id=f"rule-{i % 17}", level=("error", "warning", "info")[i % 3], operation=op, path=op[4:],
               method="get", text=f"removed the property 'field{i}'", fingerprint=f"c{i}")
        for i, op in enumerate(ops)
    ]  # fmt: skip
    proposals = [
        Proposal(
            id=f"pw-{i:016x}",
            intent=Intent(kind=IntentKind.PROPERTY_REMOVED, operation=op, path=op[4:], method="get",
                          expected_status="200", text="t", fingerprint=f"i{i}"),
            item={"name": f"{op} [property-removed] no longer returns field{i}"},
        )
        for i, op in enumerate(ops)
    ]  # fmt: skip
    signals = [
        LogSignal(
            method="GET", url=f"https://api.example{op[4:]}", status=500, operation=op, fingerprint=f"s{i}"
        )
        for i, op in enumerate(ops[::10])
    ]
    details = RunDetails(
        operations=ops,
        changes=changes,
        signals=signals,
        proposals=proposals,
        redactions=[
            Redaction(kind="jwt", placeholder="[REDACTED:jwt:1]", origin=f"log {i}") for i in range(50)
        ],
        stages=[StageTime(s, 0.1) for s in ("load", "logs", "diff", "plan", "generate", "check")],
    )
    summary = RunSummary(run_id="bench", changes=n, proposals=n, kept=n)
    return RunFinished(summary, [], None, details)


def measure(finished: RunFinished, repeat: int) -> tuple[int, float]:
    """(bytes, median seconds) of building and rendering the report."""
    times, page = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        page = render_report(build_report(finished, generated="now", audit=[]))
        times.append(time.perf_counter() - start)
    return len(page.encode()), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--operations", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        runs = {
            "demo (no verify)": demo_run(Path(tmp) / "ws"),
            f"{args.operations} operations": large_run(args.operations),
        }
        print("| run | report size | build + render (median) |")
        print("|---|---:|---:|")
        for name, finished in runs.items():
            size, seconds = measure(finished, args.repeat)
            print(f"| {name} | {size / 1024:.1f} KiB | {seconds * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
