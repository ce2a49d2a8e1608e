"""Measure injection detection on BIPIA (injection vs benign) and false positives on PIGuard.

Run: .venv/bin/python -m evals.injection.detect [--show N]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import time
from pathlib import Path

from agent.boundary.injection.score import is_suspicious, score_spans

ROOT = Path(__file__).resolve().parents[2]


CORPORA = ROOT.parent / "shared" / "corpora"


def load(name: str) -> list[dict[str, object]]:
    with gzip.open(CORPORA / name, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def group_of(row: dict[str, object]) -> str:
    source = str(row["source"])
    if row["kind"] == "attack_only":
        family = "code" if "code_attack" in source else "text"
        return f"attack-only/{family}"
    task = source.split("/")[1]
    return f"{row['kind']}/{task}" + ("/b64" if row.get("stealth_base64") else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", type=int, default=0, help="print N misses and N false positives")
    args = parser.parse_args()

    bipia = load("bipia.jsonl.gz")
    piguard = load("piguard.jsonl.gz")
    hits: collections.Counter[str] = collections.Counter()
    totals: collections.Counter[str] = collections.Counter()
    rules: collections.Counter[str] = collections.Counter()
    misses, false_pos = [], []
    started = time.perf_counter()
    chars = 0
    for row in bipia + piguard:
        text = str(row["text"])
        chars += len(text)
        findings = score_spans(text)
        flagged = is_suspicious(findings)
        group = group_of(row) if row in bipia else f"piguard/{str(row['source']).split('(')[0]}"
        totals[group] += 1
        hits[group] += flagged
        if flagged and row["label"] != "injection":
            false_pos.append((group, text, [f.rule for f in findings if f.score >= 0.5]))
            rules.update({f.rule for f in findings if f.score >= 0.5})
        if not flagged and row["label"] == "injection":
            misses.append((group, text))
    elapsed = time.perf_counter() - started

    print(f"{'group':44} {'flagged':>8} {'rows':>6} {'rate':>7}")
    for group in sorted(totals):
        print(f"{group:44} {hits[group]:8} {totals[group]:6} {hits[group] / totals[group]:7.1%}")
    inj = [g for g in totals if g.startswith(("attack-only", "poisoned"))]
    ben = [g for g in totals if g.startswith("clean")]
    pig = [g for g in totals if g.startswith("piguard")]
    for name, groups in (
        ("BIPIA injection recall", inj),
        ("BIPIA benign FP rate", ben),
        ("PIGuard FP rate", pig),
    ):
        n, k = sum(totals[g] for g in groups), sum(hits[g] for g in groups)
        print(f"{name:44} {k:8} {n:6} {k / n:7.1%}")
    print(f"speed: {chars / elapsed / 1e6:.2f} MB/s ({len(bipia) + len(piguard)} texts, {elapsed:.2f} s)")
    print("rules behind false positives:", dict(rules.most_common()))
    for group, text, fired in false_pos[: args.show]:
        print("FP", group, fired, repr(text[:300]))
    for group, text in misses[: args.show]:
        print("MISS", group, repr(text[:200]))


if __name__ == "__main__":
    main()
