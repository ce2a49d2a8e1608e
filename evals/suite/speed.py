"""Speed areas, each with its peer in the same run: redaction, diff, generation, verify, log ingestion."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

from evals.suite.peers import DETECT_SECRETS_PIN, ensure_detect_secrets, ensure_portman
from evals.suite.rows import ROOT, Area, Chart, Mode, Row, ratio

PY = ".venv/bin/python -m"
# What a reader of a 0 must know (measured on detect-secrets 1.5.0; one planted line alone is flagged).
UNREAD = (
    "planted lines it flagged: its ConfigFileTransformer parses an Airflow log as an INI file"
    " and scans blanks"
)


def redaction_throughput(mode: Mode) -> Area:
    """MB/s on one core by log size and secret density; the pinned detect-secrets beside it."""
    from evals.redaction.logsynth import write_log
    from evals.redaction.throughput import bench_detect_secrets, measure_redactor

    sizes = [2.0, 10.0, 25.0] if mode.full else [1.0, 4.0]  # the caught-count check is secrets x size
    every = [20, 200, 5000] if mode.full else [20, 200, 2000]
    repeat = 3 if mode.full else 1
    area = Area(
        "redaction-throughput",
        "Redaction throughput by log size and secret density",
        f"{PY} evals.redaction.throughput --mb 50 --secret-every 200"
        " --detect-secrets --ds-bin ~/.cache/postwright-evals/peers/detect-secrets/bin/detect-secrets",
    )
    series: dict[str, list[tuple[str | float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="pw-evals-redact-") as tmp:
        for n in every:
            for mb in sizes:
                path = os.path.join(tmp, f"log-{n}-{mb}.log")
                secrets = write_log(path, int(mb * 1e6), secret_every=n)
                t = measure_redactor(path, secrets, "auto", repeat)
                os.unlink(path)
                series.setdefault(f"1 secret / {n} lines", []).append((mb, t.cpu_mb_s))
                if mb == sizes[-1]:
                    area.rows.append(
                        Row(f"MB/s on one core, 1 secret per {n} lines", f"{t.cpu_mb_s:.0f}", "",
                            data=f"{mb:.0f} MB synthetic Airflow log, planted caught {t.caught}/{t.planted}")
                    )  # fmt: skip
        path = os.path.join(tmp, "ds.log")
        secrets = write_log(path, int(2e6))
        ours = measure_redactor(path, secrets, "auto", repeat)
        ds = bench_detect_secrets(path, secrets, ensure_detect_secrets())
        peer = f"{DETECT_SECRETS_PIN}, same 2 MB log (1 secret / 200 lines)"
        area.rows += [
            Row("MB/s vs detect-secrets scan (wall)", f"{ours.wall_mb_s:.1f}", "", f"{ds.mb_s:.2f}",
                ratio(ours.wall_mb_s, ds.mb_s), peer),
            Row("planted secrets caught vs detect-secrets", f"{ours.caught}/{ours.planted}", "",
                f"{ds.caught}/{ds.planted}", "", UNREAD if ds.caught == 0 else "planted lines it flagged"),
        ]  # fmt: skip
    area.charts.append(
        Chart(
            "redaction-throughput", "Redaction throughput (one core)", "log size (MB)", "MB/s", series, "line"
        )
    )
    return area


def diff_speed(mode: Mode) -> Area:
    """Cold load+validate+diff of two specs vs openapi-spec-validator validating one."""
    from evals.diff import bench

    paths, runs = (2000, 3) if mode.full else (150, 1)
    area = Area("diff-speed", "Diff speed", f"{PY} evals.diff.bench --paths {paths} --runs {runs}")
    ours, theirs = bench.measure(paths, runs)
    med = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
    data = f"synthetic {paths}-path pair (evals/diff/gen_specs.py), medians of {runs}, fresh interpreters"
    area.rows = [
        Row("wall s, both specs loaded, validated, diffed", f"{med(ours, 'total'):.2f}", "<= 0.5x peer",
            f"{med(theirs, 'total'):.2f}", ratio(med(ours, "total"), med(theirs, "total"), 3),
            data + "; peer: openapi-spec-validator on the revision alone"),
        Row("CPU s", f"{med(ours, 'cpu'):.2f}", "", f"{med(theirs, 'cpu'):.2f}",
            ratio(med(ours, "cpu"), med(theirs, "cpu"), 3)),
        Row("peak RSS MB", f"{med(ours, 'rss_mb'):.0f}", "", f"{med(theirs, 'rss_mb'):.0f}"),
    ]  # fmt: skip
    return area


def generation(mode: Mode) -> Area:
    """`postwright generate --spec` vs `portman -l`: wall time and peak RSS by spec size."""
    from agent.check.batch import default_workers
    from evals.diff.gen_specs import base_spec
    from evals.generate.bench import postwright as in_process
    from evals.realspecs.bench import timed

    sizes = [200, 1000, 2000] if mode.full else [20, 100]
    portman = ensure_portman()
    area = Area(
        "generation",
        "Full-spec generation time and memory, postwright vs Portman",
        f"{PY} evals.generate.bench --paths 2000 --cli",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times: dict[str, list[tuple[str | float, float]]] = {"postwright": [], "portman": []}
    memory: dict[str, list[tuple[str | float, float]]] = {"postwright": [], "portman": []}
    with tempfile.TemporaryDirectory(prefix="pw-evals-gen-") as tmp:
        for paths in sizes:
            work = Path(tmp) / str(paths)
            work.mkdir()
            spec = work / "spec.yaml"
            spec.write_text(yaml.dump(base_spec(paths), Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)))
            pw_argv = [
                sys.executable,
                "-m",
                "agent",
                "generate",
                "--spec",
                str(spec),
                "-o",
                str(work / "pw.json"),
            ]
            ours = timed(pw_argv, work, env, 1800)
            theirs = timed([str(portman), "-l", str(spec), "-o", str(work / "pm.json")], work, env, 1800)
            if paths == sizes[-1]:  # the target's figure: generation with every proposal checked
                phases, made = in_process(spec, work / "phases.json", True, default_workers())
                area.rows.append(
                    Row(f"generate + check s, {paths} paths (in process)", f"{sum(phases.values()):.1f}",
                        "<= 0.2x peer" if paths == 2000 else "", f"{theirs['seconds']:.1f}",  # set at 2,000
                        ratio(sum(phases.values()), theirs["seconds"]), made)
                )  # fmt: skip
            for tool, r in (("postwright", ours), ("portman", theirs)):
                if r["rc"] != 0:
                    raise RuntimeError(f"{tool} generate failed on {paths} paths: {r['stderr'][-300:]}")
                times[tool].append((paths, r["seconds"]))
                memory[tool].append((paths, r["mb"]))
            data = f"synthetic {paths}-path spec (evals/diff/gen_specs.py), one run"
            area.rows.append(
                Row(
                    f"CLI wall s, {paths} paths (spec redaction and state store too)",
                    f"{ours['seconds']:.1f}",
                    "",
                    f"{theirs['seconds']:.1f}",
                    ratio(ours["seconds"], theirs["seconds"]),
                    data,
                )
            )
            area.rows.append(Row(f"peak RSS MB, {paths} paths", f"{ours['mb']:.0f}", "< 1 GB",
                                 f"{theirs['mb']:.0f}", ratio(ours["mb"], theirs["mb"])))  # fmt: skip
    area.charts += [
        Chart("generation-time", "Generation time by spec size", "paths", "wall seconds", times, "line"),
        Chart("generation-memory", "Generation peak RSS by spec size", "paths", "MB", memory, "line"),
    ]
    return area


def verify(mode: Mode) -> Area:
    """The sandbox verify path: Prism start, one newman process per run, request times."""
    from evals.runner import bench_sandbox

    runs = 5 if mode.full else 2
    area = Area("verify", "Verify (sandbox: Prism + newman)", f"{PY} evals.runner.bench_sandbox")
    isolations = ("netns", "none") if mode.full else ("netns",)
    for r in bench_sandbox.measure(runs=runs, isolations=isolations):
        data = f"{r['items']}-item collection x {r['runs']} runs, isolation {r['isolation']}"
        area.rows += [
            Row(f"Prism ready s ({r['isolation']})", f"{r['prism']:.2f}", data=data),
            Row(f"newman process per run s ({r['isolation']})", f"{statistics.median(r['walls']):.2f}",
                data=f"median; {r['passed']}/{r['items']} items passed"),
            Row(f"request ms ({r['isolation']})", f"{statistics.median(r['request_ms']):.0f}", data="median"),
        ]  # fmt: skip
    return area


def log_ingestion(mode: Mode) -> Area:
    """Airflow task logs fetched through the Airflow source from a stub API with latency."""
    from evals.airflow import log_throughput

    argv = [] if mode.full else ["--runs", "20", "--tasks", "5", "--workers", "1,8"]
    area = Area(
        "log-ingestion", "Airflow log ingestion", f"{PY} evals.airflow.log_throughput {' '.join(argv)}"
    )
    args = log_throughput.parser().parse_args(argv)
    for r in log_throughput.measure(args):
        data = f"{r['logs']:.0f} logs, {r['mb']:.1f} MB, {args.latency_ms:.0f} ms latency per call, loopback"
        area.rows.append(Row(f"logs/s, {r['workers']:.0f} workers", f"{r['logs_s']:.0f}", data=data))
    return area
