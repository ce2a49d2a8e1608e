"""Recall / false positives of the redactor on external labelled corpora.

    .venv/bin/python -m evals.redaction.corpus [--engine auto|hyperscan|re] [--misses N]

- gitleaks.jsonl.gz: a ``secret`` row counts as caught when the redactor changes it; a
  ``not_secret`` row (hard negative) counts as a false positive when it changes.
- bipia.jsonl.gz (benign rows) and piguard.jsonl.gz: share of rows altered at all.
Misses are printed by rule id and a redacted-shape only (letters -> a, digits -> 9), never raw.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import time
from pathlib import Path

from agent.boundary.inbound.redact import Redactor

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"  # ../shared beside the repo


def _rows(name: str) -> list[dict[str, object]]:
    with gzip.open(CORPORA / name, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _shape(text: str) -> str:
    return re.sub(r"[0-9]", "9", re.sub(r"[A-Za-z]", "a", text))[:120]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--misses", type=int, default=0, help="print the shape of this many misses per rule")
    args = ap.parse_args()
    if not CORPORA.is_dir():
        raise SystemExit(f"the labelled corpora are not at {CORPORA} (../shared/corpora beside the repo)")
    red = Redactor(engine=args.engine)
    t0 = time.perf_counter()
    gl = _rows("gitleaks.jsonl.gz")
    caught = total = fp = neg = 0
    missed: collections.Counter[str] = collections.Counter()
    fp_rules: collections.Counter[str] = collections.Counter()
    shown: collections.Counter[str] = collections.Counter()
    for row in gl:
        text = str(row["text"])
        hit = bool(red.findings(text))
        if row["label"] == "secret":
            total += 1
            caught += hit
            if not hit:
                missed[str(row["rule_id"])] += 1
                if shown[str(row["rule_id"])] < args.misses:
                    shown[str(row["rule_id"])] += 1
                    print("  miss", row["rule_id"], _shape(text).replace("\n", "\\n"))
        else:
            neg += 1
            fp += hit
            if hit:
                fp_rules[str(row["rule_id"])] += 1
    print(f"engine: {red.engine}")
    print(f"gitleaks secrets: recall {caught}/{total} = {100 * caught / total:.2f}%  (target >= 99%)")
    print(f"gitleaks hard negatives: flagged {fp}/{neg} = {100 * fp / neg:.1f}%  (target <= 10%)")
    print("  missed by rule:", dict(missed.most_common(15)))
    print("  negatives flagged by rule:", dict(fp_rules.most_common(10)))
    benign = [r for r in _rows("bipia.jsonl.gz") if r["label"] == "benign"] + _rows("piguard.jsonl.gz")
    altered = 0
    kinds: collections.Counter[str] = collections.Counter()
    for row in benign:
        found = red.findings(str(row["text"]))
        altered += bool(found)
        kinds.update(f.rule for f in found)
    n = len(benign)
    print(
        f"benign (bipia benign + piguard): altered {altered}/{n} = {100 * altered / n:.2f}%  (target <= 0.5%)"
    )
    print("  benign findings by rule:", dict(kinds.most_common(10)))
    print(f"elapsed {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
