"""Speed and identity of injection scoring: prefiltered score_spans against the frozen original.

usage: .venv/bin/python -m evals.injection.speed [--paths 2000] [--rounds 3]
Texts: the names and descriptions that validation checks for a full-spec generation of
evals/diff/gen_specs.base_spec(PATHS) (agent.boundary.outbound.request._texts of each proposal),
the labelled corpora in ../shared/corpora (BIPIA, PIGuard, gitleaks), and variants of
the injection rows (upper case, fullwidth, zero-width joins, odd separators, base64-wrapped).
Every text must give the same finding list with the hyperscan and the ``re`` prefilters as
with the original algorithm (kept below); timings are the best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from agent.boundary.injection import decode as encoded
from agent.boundary.injection import score as injection
from agent.boundary.injection.phrases import SENTENCE_RULES, TOKEN_RULES
from agent.boundary.injection.prefilter import make_prefilter
from agent.boundary.injection.score import THRESHOLD, InjectionFinding
from evals.diff.gen_specs import base_spec

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT.parent / "shared" / "corpora"

# --- the original algorithm (agent/boundary/injection/score.py before the prefilter), frozen ---
_SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?]+(?=\s|$)|\n|$)|[^\n]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_CODE_BLOCK = re.compile(r"\s*```.*?(?:```|$)", re.S)
_ANY_FIRST = re.compile("|".join(f"(?:{rule.all_of[0].pattern})" for rule in SENTENCE_RULES))


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _SENTENCE.finditer(text):
        start, raw = match.start(), match.group()
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))
    return spans


def _normalise(segment: str) -> str:
    folded = unicodedata.normalize("NFKC", segment).translate(_INVISIBLE)
    return " ".join(folded.split()).lower()


def _ref_sentences(text: str) -> list[InjectionFinding]:
    findings = []
    for start, end in _sentences(text):
        segment = _normalise(text[start:end])
        if not _ANY_FIRST.search(segment):
            continue
        best: tuple[float, str, str] | None = None
        for rule in SENTENCE_RULES:
            score = rule.score(segment)
            if score and (best is None or score > best[0]):
                best = (score, rule.kind, rule.name)
        if best is None:
            continue
        score, kind, name = best
        stop = end
        if name == "code-directive":
            match = _CODE_BLOCK.match(text, end)
            stop = match.end() if match else end
        findings.append(InjectionFinding(kind, name, start, stop, round(score, 2)))
    return findings


def _ref_plain(text: str) -> list[InjectionFinding]:
    tokens = [
        InjectionFinding(rule.kind, rule.name, m.start(), m.end(), rule.weight)
        for rule in TOKEN_RULES
        for m in rule.pattern.finditer(text)
    ]
    return _ref_sentences(text) + tokens


def reference(text: str) -> list[InjectionFinding]:
    """score_spans as it was before the prefilter."""
    findings = _ref_plain(text)
    for hit in encoded.hidden_characters(text):
        findings.append(InjectionFinding("encoded", hit.rule, hit.start, hit.end, hit.score))
    for hit in encoded.homoglyph_words(text):
        findings.append(InjectionFinding("encoded", hit.rule, hit.start, hit.end, hit.score))
    for blob in encoded.blobs(text):
        decoded_score = max((f.score for f in _ref_plain(blob.decoded)), default=0.0)
        if decoded_score >= THRESHOLD:
            findings.append(InjectionFinding("encoded", blob.rule, blob.start, blob.end, 0.9))
        elif blob.wordy:
            findings.append(InjectionFinding("encoded", blob.rule, blob.start, blob.end, 0.4))
    for hit in encoded.tag_payloads(text):
        findings.append(InjectionFinding("encoded", "unicode-tags", hit.start, hit.end, 1.0))
    findings.sort(key=lambda f: (f.start, -f.score, f.end))
    return findings


# --- texts ---
def generated_texts(paths: int) -> list[str]:
    """Names and descriptions of every proposal of a full-spec generation."""
    from agent.boundary.outbound.request import _texts
    from agent.generate.deterministic import generate
    from agent.plan import plan
    from agent.specs.load import load_spec

    with tempfile.TemporaryDirectory(prefix="pw-injspeed-") as tmp:
        spec = Path(tmp) / "spec.yaml"
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        spec.write_text(yaml.dump(base_spec(paths), Dumper=dumper, sort_keys=False))
        revision = load_spec(str(spec))
    proposals = generate(plan([], [], revision, full_spec=True), revision, seed=0)
    return [text for p in proposals for _, text in _texts(p.item)]


def corpus(name: str) -> list[dict[str, object]]:
    with gzip.open(CORPORA / name, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


_FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


def variants(text: str) -> list[str]:
    """Disguises of one text that the rules (or the prefilter) must see through alike."""
    return [
        text.upper(),
        text.translate(_FULLWIDTH),
        "\u200b".join(text.split(" ")),
        text.replace(". ", ".\n").replace(", ", ",\x1c "),
        text.replace(" ", "  \t"),
        "résumé: " + text,
        "payload " + base64.b64encode(text.encode()).decode(),
        text.encode().hex(),
    ]


def _score_with(text: str, engine: Any) -> list[InjectionFinding]:
    """The findings of ``text`` scored with one prefilter engine."""
    return injection.score_spans(text, engine)


def timed(fn: Callable[[str], object], texts: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            fn(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    generated = generated_texts(args.paths)
    rows = corpus("bipia.jsonl.gz") + corpus("piguard.jsonl.gz")
    labelled = [str(r["text"]) for r in rows]
    secrets = [str(r["text"]) for r in corpus("gitleaks.jsonl.gz")]
    disguised = [v for r in rows if r["label"] == "injection" for v in variants(str(r["text"]))]
    sets = {"generated": generated, "bipia+piguard": labelled, "gitleaks": secrets, "variants": disguised}

    engines = {"hyperscan": make_prefilter("hyperscan"), "re": make_prefilter("re")}
    print(f"{'texts':14} {'n':>6} {'avg chars':>9} {'flagged':>7}  identical (hyperscan / re)")
    failures = 0
    for label, texts in sets.items():
        same = dict.fromkeys(engines, 0)
        flagged = 0
        for text in texts:
            expected = reference(text)
            flagged += injection.is_suspicious(expected)
            for name, engine in engines.items():
                got = injection.score_spans(text, engine)
                if got == expected:
                    same[name] += 1
                elif failures < 5:
                    failures += 1
                    print(f"  MISMATCH [{name}] {text[:120]!r}\n    want {expected}\n    got  {got}")
        avg = sum(map(len, texts)) / max(len(texts), 1)
        print(
            f"{label:14} {len(texts):6} {avg:9.0f} {flagged:7}  "
            f"{same['hyperscan']}/{len(texts)} / {same['re']}/{len(texts)}"
        )

    # Timed: the texts of the task (best of --rounds) and the corpora (once; variants are slow).
    print(f"\n{'seconds:':26} {'original':>9} {'hyperscan':>9} {'re':>9} {'speed-up':>8}")
    for label, texts in sets.items():
        rounds = args.rounds if label == "generated" else 1
        old = timed(reference, texts, rounds)
        new = {n: timed(partial(_score_with, engine=e), texts, rounds) for n, e in engines.items()}
        line = f"{old:9.3f} {new['hyperscan']:9.3f} {new['re']:9.3f} {old / new['hyperscan']:7.1f}x"
        print(f"{label} (best of {rounds}):".ljust(26), line)
    if failures:
        raise SystemExit("findings differ from the original algorithm")


if __name__ == "__main__":
    main()
