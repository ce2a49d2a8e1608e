"""How long `postwright review` takes to show the first of 10,000 pending tests (target: < 1 s).

usage: .venv/bin/python -m evals.review.open_time [--proposals 10000] [--repeat 5]

A real run of the bundled demo (no sandbox) gives 19 stored proposals; they are copied under new
ids into one run of ``--proposals`` tests. Two measurements, median of ``--repeat``:
- terminal: from starting ``postwright review`` in an 80x24 tmux pane to the pane showing
  "Reviewing [1/N]" (process start, imports, settings, the id query, one proposal, the screen);
- in process: the queue (the id query) and the first screen's rows, with the store open;
- CPU: user + system seconds of the review process to open and quit (bash ``times``), which a
  loaded machine does not inflate as it inflates the wall-clock time.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from agent.review.queue import ReviewQueue
from agent.review.screen import Position, rows
from agent.store import open_store
from tests.review.kit import cli, make_project, real_run, review_command
from tests.review.tmux import Pane


def _fill(root: Path, total: int) -> None:
    """One run's 19 real proposals copied under ``total`` ids (created in one transaction)."""
    with open_store(root / ".postwright") as store:
        seeds = [p.to_proposal() for p in store.proposals()]
        run_id = store.start_run("eval", {"runs": 3})
        copies = [
            seeds[i % len(seeds)].model_copy(update={"id": f"pw-{i:016x}"}) for i in range(total - len(seeds))
        ]
        store.store_results(run_id, copies)
        store.finish_run(run_id, "ok", {})


def _terminal(root: Path, total: int) -> float:
    start = time.perf_counter()
    pane = Pane(review_command(root), cwd=root, env={})
    try:
        while f"Reviewing [1/{total}]" not in pane.screen():  # polled every 10 ms, no settling wait
            if time.perf_counter() - start > 60:
                raise TimeoutError(pane.screen())
            time.sleep(0.01)
        return time.perf_counter() - start
    finally:
        pane.close()


def _cpu(root: Path, total: int) -> float:
    """CPU seconds (user + system) the review process spends to open and quit: the load-free cost."""
    out = root.parent / "times.txt"
    command = ["bash", "-c", f"{shlex.join(review_command(root))}; times > {shlex.quote(str(out))}"]
    pane = Pane(command, cwd=root, env={})
    try:
        pane.wait_for(f"Reviewing [1/{total}]", timeout=60)
        pane.keys("q")
        pane.wait_for("[exit", timeout=60)
    finally:
        pane.close()
    children = out.read_text().splitlines()[1].split()  # "0m1.020s 0m0.210s": the review process's
    return sum(int(m) * 60 + float(s.rstrip("s")) for m, s in (t.split("m") for t in children))


def _in_process(root: Path) -> float:
    with open_store(root / ".postwright") as store:
        start = time.perf_counter()
        queue = ReviewQueue(store)
        rows(queue.current(), Position(1, len(queue)), 3, 23)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pw-review-eval-"))
    try:
        root = make_project(folder / "project")
        real_run(root, "--no-verify")
        _fill(root, args.proposals)
        listed = cli(root, "review", "--list").stdout.count("\n")
        assert listed == args.proposals, listed
        _terminal(root, args.proposals)  # warm the file cache once
        tty = [_terminal(root, args.proposals) for _ in range(args.repeat)]
        inproc = [_in_process(root) for _ in range(args.repeat)]
        cpu = [_cpu(root, args.proposals) for _ in range(args.repeat)]
        shown, measured = statistics.median(tty), statistics.median(inproc)
        print(f"{args.proposals} pending proposals, median of {args.repeat}:")
        print(f"  terminal (tmux, process start to 'Reviewing [1/N]'): {shown:.3f} s")
        print(f"  in process (the id query and the first screen):     {measured * 1000:.1f} ms")
        print(f"  CPU of the review process, open and quit (user + sys): {statistics.median(cpu):.3f} s")
        print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"  target < 1 s: {'met' if shown < 1 else 'NOT met'}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
