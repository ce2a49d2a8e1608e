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
from dataclasses import dataclass, field

from agent.boundary.inbound.redact import Redactor
from evals.suite.corpora import CorpusAbsent, corpus


def _rows(name: str) -> list[dict[str, object]]:
    with gzip.open(corpus(name), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _shape(text: str) -> str:
    return re.sub(r"[0-9]", "9", re.sub(r"[A-Za-z]", "a", text))[:120]


@dataclass
class CorpusScore:
    """Recall on gitleaks' secrets, hard negatives flagged, and benign rows altered."""

    engine: str
    caught: int
    secrets: int
    flagged: int
    negatives: int
    altered: int
    benign: int
    seconds: float
    missed: collections.Counter[str] = field(default_factory=collections.Counter)
    fp_rules: collections.Counter[str] = field(default_factory=collections.Counter)
    benign_rules: collections.Counter[str] = field(default_factory=collections.Counter)
    miss_shapes: list[str] = field(default_factory=list)


def measure(engine: str = "auto", misses: int = 0) -> CorpusScore:
    """Score the redactor on the labelled corpora (CorpusAbsent when one is missing)."""
    red = Redactor(engine=engine)
    t0 = time.perf_counter()
    gl = _rows("gitleaks.jsonl.gz")
    benign_rows = [r for r in _rows("bipia.jsonl.gz") if r["label"] == "benign"] + _rows("piguard.jsonl.gz")
    score = CorpusScore(red.engine, 0, 0, 0, 0, 0, len(benign_rows), 0.0)
    shown: collections.Counter[str] = collections.Counter()
    for row in gl:
        text, rule = str(row["text"]), str(row["rule_id"])
        hit = bool(red.findings(text))
        if row["label"] == "secret":
            score.secrets += 1
            score.caught += hit
            if not hit:
                score.missed[rule] += 1
                if shown[rule] < misses:
                    shown[rule] += 1
                    score.miss_shapes.append(f"{rule} {_shape(text).replace(chr(10), chr(92) + 'n')}")
        else:
            score.negatives += 1
            score.flagged += hit
            score.fp_rules[rule] += hit
    for row in benign_rows:
        found = red.findings(str(row["text"]))
        score.altered += bool(found)
        score.benign_rules.update(f.rule for f in found)
    score.seconds = time.perf_counter() - t0
    return score


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--misses", type=int, default=0, help="print the shape of this many misses per rule")
    args = ap.parse_args()
    try:
        s = measure(args.engine, args.misses)
    except CorpusAbsent as exc:
        raise SystemExit(str(exc)) from None
    for line in s.miss_shapes:
        print("  miss", line)
    print(f"engine: {s.engine}")
    recall = 100 * s.caught / s.secrets
    print(f"gitleaks secrets: recall {s.caught}/{s.secrets} = {recall:.2f}%  (target >= 99%)")
    print(f"gitleaks hard negatives: flagged {s.flagged}/{s.negatives} = "
          f"{100 * s.flagged / s.negatives:.1f}%  (target <= 10%)")  # fmt: skip
    print("  missed by rule:", dict(s.missed.most_common(15)))
    print("  negatives flagged by rule:", dict((+s.fp_rules).most_common(10)))
    print(f"benign (bipia benign + piguard): altered {s.altered}/{s.benign} = "
          f"{100 * s.altered / s.benign:.2f}%  (target <= 0.5%)")  # fmt: skip
    print("  benign findings by rule:", dict(s.benign_rules.most_common(10)))
    print(f"elapsed {s.seconds:.1f}s")


if __name__ == "__main__":
    main()
