"""Time and peak RSS of `diff`, `generate` and `run --no-verify --no-publish` on hostile specs.

usage: .venv/bin/python -m evals.hostile.bench [--src DIR] [--timeout S] [--mem-gb G] [--only NAME ...]
Each command runs in a fresh process under a wall-clock timeout and an address-space cap (a
hostile spec once took 17 GB), with its own HOME and state folder. ``--src`` points at another
checkout of postwright (e.g. an older commit unpacked with ``git archive``) to measure it with
the same interpreter. Prints one Markdown table row per (spec, command): seconds, peak RSS,
exit code and the last line the command wrote to stderr.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GEN = Path(__file__).with_name("gen_specs.py")
SPECS = [
    ("enum 30k", "enum", 30_000),
    ("enum 300k", "enum", 300_000),
    ("enum 1M", "enum", 1_000_000),
    ("5,000 operations", "ops", 5_000),
    ("nesting 120 deep", "deep", 120),
    ("nesting 100k deep", "deep", 100_000),
]
COMMANDS = {
    "diff": ["diff", "{base}", "{rev}"],
    "generate": ["generate", "--base", "{base}", "--spec", "{rev}", "-o", "{out}"],
    "run": ["run", "--base", "{base}", "--spec", "{rev}", "--no-verify", "--no-publish"],
}


def _limit(mem_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))


def measure(src: Path, args: list[str], workdir: Path, timeout: float, mem_gb: float) -> dict[str, object]:
    """Run ``postwright ARGS`` from ``src``; seconds, peak RSS (MB), exit code, last stderr line."""
    env = {
        **os.environ,
        "PYTHONPATH": str(src.resolve()),  # the child runs in its own folder
        "HOME": str(workdir),
        "POSTWRIGHT_STATE_DIR": str(workdir / "state"),
    }
    code = "import sys; from agent.cli.main import main; sys.exit(main())"
    err_path = workdir / "stderr.txt"
    start = time.perf_counter()
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            preexec_fn=lambda: _limit(int(mem_gb * 2**30)),  # safe: no threads here
        )
        rc: object = None
        while True:  # wait4 gives this child's own peak RSS
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                rc = f"killed after {timeout:.0f} s"
                break
            time.sleep(0.05)
    seconds = time.perf_counter() - start
    proc.returncode = 0  # reaped above; keeps Popen from waiting again
    if rc is None:
        rc = os.waitstatus_to_exitcode(status)
    lines = [line for line in err_path.read_text(errors="replace").splitlines() if line.strip()]
    return {
        "seconds": seconds,
        "rss_mb": usage.ru_maxrss / 1024,
        "rc": rc,
        "last": (lines[-1] if lines else "")[:140],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", type=Path, default=ROOT)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--mem-gb", type=float, default=6.0)
    parser.add_argument("--only", nargs="*", help="spec names to run (default: all)")
    parser.add_argument("--commands", nargs="*", default=list(COMMANDS))
    args = parser.parse_args()
    print("| spec | command | seconds | peak RSS MB | exit | last line |")
    print("|---|---|---:|---:|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, kind, size in SPECS:
            if args.only and name not in args.only:
                continue
            folder = Path(tmp) / kind / str(size)
            subprocess.run([sys.executable, str(GEN), str(folder), kind, "--size", str(size)], check=True)
            for command in args.commands:
                work = Path(tempfile.mkdtemp(dir=tmp))
                argv = [
                    a.format(base=folder / "base.yaml", rev=folder / "revision.yaml", out=work / "c.json")
                    for a in COMMANDS[command]
                ]
                r = measure(args.src, argv, work, args.timeout, args.mem_gb)
                rss = f"{r['rss_mb']:.0f}"
                last = str(r["last"]).replace("|", "\\|")
                print(f"| {name} | {command} | {r['seconds']:.1f} | {rss} | {r['rc']} | {last} |", flush=True)


if __name__ == "__main__":
    main()
