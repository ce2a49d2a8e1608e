"""Measure injection detection on BIPIA (injection vs benign) and false positives on PIGuard.

Run: .venv/bin/python -m evals.injection.detect [--show N]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import time
from dataclasses import dataclass, field

from agent.boundary.injection.score import is_suspicious, score_spans
from evals.suite.corpora import CorpusAbsent, corpus


def load(name: str) -> list[dict[str, object]]:
    with gzip.open(corpus(name), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def group_of(row: dict[str, object]) -> str:
    source = str(row["source"])
    if row["kind"] == "attack_only":
        family = "code" if "code_attack" in source else "text"
        return f"attack-only/{family}"
    task = source.split("/")[1]
    return f"{row['kind']}/{task}" + ("/b64" if row.get("stealth_base64") else "")


@dataclass
class Detection:
    """Rows flagged per group, the headline rates, speed, and the misses / false positives."""

    hits: collections.Counter[str]
    totals: collections.Counter[str]
    rules: collections.Counter[str]
    chars: int
    seconds: float
    misses: list[tuple[str, str]] = field(default_factory=list)
    false_pos: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def rate(self, prefixes: tuple[str, ...]) -> tuple[int, int]:
        """(flagged, rows) over the groups starting with one of ``prefixes``."""
        groups = [g for g in self.totals if g.startswith(prefixes)]
        return sum(self.hits[g] for g in groups), sum(self.totals[g] for g in groups)


HEADLINES = (
    ("BIPIA injection recall", ("attack-only", "poisoned")),
    ("BIPIA benign FP rate", ("clean",)),
    ("PIGuard FP rate", ("piguard",)),
)


def measure() -> Detection:
    """Score every BIPIA and PIGuard row (CorpusAbsent when a corpus is missing)."""
    bipia = load("bipia.jsonl.gz")
    piguard = load("piguard.jsonl.gz")
    d = Detection(collections.Counter(), collections.Counter(), collections.Counter(), 0, 0.0)
    started = time.perf_counter()
    for row, group in [(r, group_of(r)) for r in bipia] + [
        (r, f"piguard/{str(r['source']).split('(')[0]}") for r in piguard
    ]:
        text = str(row["text"])
        d.chars += len(text)
        findings = score_spans(text)
        flagged = is_suspicious(findings)
        d.totals[group] += 1
        d.hits[group] += flagged
        if flagged and row["label"] != "injection":
            d.false_pos.append((group, text, [f.rule for f in findings if f.score >= 0.5]))
            d.rules.update({f.rule for f in findings if f.score >= 0.5})
        if not flagged and row["label"] == "injection":
            d.misses.append((group, text))
    d.seconds = time.perf_counter() - started
    return d


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", type=int, default=0, help="print N misses and N false positives")
    args = parser.parse_args()
    try:
        d = measure()
    except CorpusAbsent as exc:
        raise SystemExit(str(exc)) from None
    print(f"{'group':44} {'flagged':>8} {'rows':>6} {'rate':>7}")
    for group in sorted(d.totals):
        print(f"{group:44} {d.hits[group]:8} {d.totals[group]:6} {d.hits[group] / d.totals[group]:7.1%}")
    for name, prefixes in HEADLINES:
        k, n = d.rate(prefixes)
        print(f"{name:44} {k:8} {n:6} {k / n:7.1%}")
    rows = sum(d.totals.values())
    print(f"speed: {d.chars / d.seconds / 1e6:.2f} MB/s ({rows} texts, {d.seconds:.2f} s)")
    print("rules behind false positives:", dict(d.rules.most_common()))
    for group, text, fired in d.false_pos[: args.show]:
        print("FP", group, fired, repr(text[:300]))
    for group, text in d.misses[: args.show]:
        print("MISS", group, repr(text[:200]))


if __name__ == "__main__":
    main()
