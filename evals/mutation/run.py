"""Mutation eval: postwright's and Portman's collections of one spec, run by newman against mutants.

usage: .venv/bin/python -m evals.mutation.run [--only NAME,...] [--jobs N] [--json OUT]
                                              [--variant portman-friendly]
A mutant is killed when the collection has at least one failing assertion against it. Both
collections are generated in full-spec mode from evals/mutation/spec.yaml (postwright:
`postwright generate --spec`; Portman 1.33: `portman -l` with its default config), then run
with newman from sandbox/ against server.py (the correct server first, then each mutant).
``--variant portman-friendly`` rewrites the one construct Portman cannot turn into a schema
test (``allOf: [$ref] + nullable``) into a plain ``$ref``, to show Portman at its best.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evals.mutation.server import MUTANTS
from evals.postman_stats import PORTMAN, count

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SPEC = HERE / "spec.yaml"
NEWMAN = ROOT / "sandbox" / "node_modules" / ".bin" / "newman"
POSTWRIGHT = ROOT / ".venv" / "bin" / "postwright"
TOOLS = ("postwright", "portman")


@dataclass
class Outcome:
    """One collection against one server: assertions run, and the failing ones."""

    assertions: int = 0
    failures: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def killed(self) -> bool:
        return bool(self.failures) or bool(self.error)


def write_spec(variant: str, out: Path) -> Path:
    """The spec to generate from: the file itself, or a rewritten variant."""
    if not variant:
        return SPEC
    doc = yaml.safe_load(SPEC.read_text())
    if variant == "portman-friendly":
        doc["components"]["schemas"]["Pet"]["properties"]["owner"] = {"$ref": "#/components/schemas/Owner"}
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    path = out / "spec-variant.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def generate(spec: Path, out: Path) -> dict[str, Path]:
    """Both collections; returns tool -> collection file and prints the generation times."""
    paths = {"postwright": out / "postwright.json", "portman": out / "portman.json"}
    started = time.perf_counter()
    subprocess.run(
        [str(POSTWRIGHT), "generate", "--spec", str(spec), "-o", str(paths["postwright"])],
        check=True,
        capture_output=True,
    )
    pw_seconds = time.perf_counter() - started
    started = time.perf_counter()
    done = subprocess.run(
        [str(PORTMAN), "-l", str(spec), "-o", str(paths["portman"])],
        cwd=out,  # Portman writes ./tmp/ in its working directory
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not paths["portman"].exists():
        raise SystemExit(f"portman failed: {done.stdout[-800:]} {done.stderr[-800:]}")
    pm_seconds = time.perf_counter() - started
    skipped = [line for line in done.stdout.splitlines() if line.startswith("schemaValidation skipped")]
    for tool, seconds in (("postwright", pw_seconds), ("portman", pm_seconds)):
        items, tests = count(json.loads(paths[tool].read_text()))
        print(f"{tool:10s} generated {items} requests, {tests} pm.test in {seconds:.2f}s")
    for line in skipped:
        print(f"  portman: {line.split(' schema is invalid')[0]} (its own schema converter failed)")
    return paths


def start_server(mutant: str) -> tuple[subprocess.Popen[str], str]:
    """server.py on a free port; returns the process and its base URL."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "server.py"), "--port", "0", "--mutant", mutant],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"server for {mutant or 'the correct server'} did not start: {line!r}")
    return proc, line.removeprefix("listening on ")


def run_newman(collection: Path, base_url: str, work: Path) -> Outcome:
    """One newman run; the failing assertions as "item: assertion: message"."""
    report = work / f"report-{collection.stem}.json"
    done = subprocess.run(
        [
            str(NEWMAN),
            "run",
            str(collection),
            "--env-var",
            f"baseUrl={base_url}",
            "--reporters",
            "json",
            "--reporter-json-export",
            str(report),
            "--timeout-request",
            "10000",
            "--disable-unicode",
            "--color",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if not report.exists():
        return Outcome(error=f"newman exited {done.returncode}: {done.stderr[-300:]}")
    run = json.loads(report.read_text())["run"]
    outcome = Outcome(assertions=int(run["stats"]["assertions"]["total"]))
    for failure in run["failures"]:
        name = failure.get("source", {}).get("name", "?")
        err = failure.get("error", {})
        outcome.failures.append(f"{name}: {err.get('test', err.get('name', '?'))}: {err.get('message', '')}")
    return outcome


def evaluate(mutant: str, collections: dict[str, Path]) -> dict[str, Outcome]:
    """Run both collections against one server (mutant "" = correct)."""
    proc, base_url = start_server(mutant)
    try:
        with tempfile.TemporaryDirectory(prefix="pw-mut-") as tmp:
            return {tool: run_newman(collections[tool], base_url, Path(tmp)) for tool in TOOLS}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_all(
    names: list[str], jobs: int = 2, variant: str = ""
) -> tuple[dict[str, dict[str, Outcome]], float]:
    """Both tools' outcomes per server ("" is the correct one), and the seconds the runs took."""
    with tempfile.TemporaryDirectory(prefix="pw-mutation-") as tmp:
        out = Path(tmp)
        collections = generate(write_spec(variant, out), out)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            servers = ["", *names]
            results = dict(zip(servers, pool.map(lambda m: evaluate(m, collections), servers), strict=True))
        return results, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="comma-separated mutant names")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write all outcomes here")
    parser.add_argument("--variant", default="", help="portman-friendly")
    parser.add_argument("-v", "--verbose", action="store_true", help="print failing assertions")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(MUTANTS)
    results, seconds = run_all(names, args.jobs, args.variant)
    _print(results, names, args.verbose)
    print(f"({len(names) + 1} servers x 2 collections in {seconds:.1f}s)")
    if args.json:
        data = {m or "(correct)": {t: o.__dict__ for t, o in r.items()} for m, r in results.items()}
        args.json.write_text(json.dumps(data, indent=2))


def _print(results: dict[str, dict[str, Outcome]], names: list[str], verbose: bool) -> None:
    base = results[""]
    print("\nCorrect server (must be 0 failures):")
    for tool in TOOLS:
        o = base[tool]
        print(f"  {tool:10s} {len(o.failures)} failing of {o.assertions} assertions {o.error}")
        for line in o.failures:
            print(f"      {line[:220]}")
    print(f"\n{'mutant':22s} {'postwright':>10s} {'portman':>8s}  what it breaks")
    for name in names:
        row = results[name]
        marks = [f"{'KILLED' if row[t].killed else 'alive'}({len(row[t].failures)})" for t in TOOLS]
        print(f"{name:22s} {marks[0]:>10s} {marks[1]:>8s}  {MUTANTS[name]}")
        if verbose:
            for tool in TOOLS:
                for line in row[tool].failures[:3]:
                    print(f"      {tool}: {line[:200]}")
    print()
    for tool in TOOLS:
        killed = sum(results[n][tool].killed for n in names)
        print(f"{tool:10s} killed {killed}/{len(names)} = {killed / len(names):.0%}")
    pw = sum(results[n]["postwright"].killed for n in names)
    pm = sum(results[n]["portman"].killed for n in names)
    print(f"ratio postwright/portman = {pw / pm:.2f}x" if pm else "ratio: portman killed none")


if __name__ == "__main__":
    main()
