"""Agreement with oasdiff on the fixture pairs its own Go tests diff (evals/diff/expected.tsv).

usage: .venv/bin/python -m evals.diff.agreement [--corpus DIR] [-v]
Each row of expected.tsv is one oasdiff Go test (checker/*_test.go) that diffs two fixture files
as they are, in the direction the test runs them, with the rule id(s) it asserts. A test agrees
when every asserted id is among the ids our diff emits for the same (base, revision). Rows were
transcribed from oasdiff's tests (see expected_notes.txt and expected_build.py); tests that edit a
spec in Go code before diffing are left out, since they cannot be replayed from files.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass, field
from pathlib import Path

from agent.diff import diff_specs
from agent.diff.catalogue import known
from agent.errors import PostwrightError
from agent.specs.load import load_spec
from evals.suite.corpora import corpus as suite_corpus

EXPECTED = Path(__file__).with_name("expected.tsv")
# Each row: base, revision (relative to the corpus' data/), expected_ids, go_test.


def rows() -> list[dict[str, str]]:
    """The transcribed oasdiff test expectations."""
    with EXPECTED.open() as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@dataclass
class Agreement:
    """How many oasdiff tests, file pairs and asserted ids our diff agrees with."""

    tests: int
    tests_ok: int
    pairs: int
    pairs_ok: int
    ids_total: int
    ids_ok: int
    misses: list[str] = field(default_factory=list)


def measure(corpus: Path | None = None) -> Agreement:
    """Replay every transcribed test on the oasdiff fixtures (CorpusAbsent when they are missing)."""
    data = (corpus or suite_corpus("oasdiff")) / "data"
    table = rows()
    unknown = {i for r in table for i in r["expected_ids"].replace("|", ",").split(",") if not known(i)}
    assert not unknown, f"not oasdiff rule ids: {unknown}"
    cache: dict[tuple[str, str], set[str]] = {}
    tests_ok = ids_ok = ids_total = 0
    pairs: dict[tuple[str, str], bool] = {}
    misses: list[str] = []
    for row in table:
        key = (row["base"], row["revision"])
        # "a,b" asserts both ids; "a|b" asserts either (the Go test accepts either).
        expected = [set(item.split("|")) for item in row["expected_ids"].split(",")]
        if key not in cache:
            try:
                base = load_spec(str(data / key[0]), validate=False)
                rev = load_spec(str(data / key[1]), validate=False)
                cache[key] = {c.id for c in diff_specs(base, rev)}
            except PostwrightError as exc:
                cache[key] = set()
                misses.append(f"{key}: load failed: {exc}")
        got = cache[key]
        hit = [bool(alts & got) for alts in expected]
        ok = all(hit)
        tests_ok += ok
        ids_ok += sum(hit)
        ids_total += len(expected)
        pairs[key] = pairs.get(key, True) and ok
        if not ok:
            missing = [sorted(alts) for alts, h in zip(expected, hit, strict=True) if not h]
            where = f"{key[0]} -> {key[1]}"
            misses.append(f"{row['go_test']}: {where}: missing {missing}; got {sorted(got)[:8]}")
    return Agreement(len(table), tests_ok, len(pairs), sum(pairs.values()), ids_total, ids_ok, misses)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    a = measure(args.corpus)
    n = a.tests
    print(f"oasdiff Go tests replayed from fixture files: {n} ({a.pairs} ordered file pairs)")
    print(f"tests whose asserted ids we all emit (base->revision as the test runs it): "
          f"{a.tests_ok}/{n} = {100 * a.tests_ok / n:.1f}%")  # fmt: skip
    print(f"ordered pairs fully agreeing: {a.pairs_ok}/{a.pairs} = {100 * a.pairs_ok / a.pairs:.1f}%")
    print(f"asserted ids emitted: {a.ids_ok}/{a.ids_total} = {100 * a.ids_ok / a.ids_total:.1f}%")
    for line in a.misses if args.verbose else []:
        print("  miss", line)


if __name__ == "__main__":
    main()
