"""Throughput of log signal extraction: quiet lines vs failing calls, at growing sizes.

Run: .venv/bin/python -m evals.sources.signals_bench   (prints MB/s and µs per line)
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from agent.models import Provenance, SpecDocument
from agent.sources.signals import extract_signals
from agent.testing.sealed import evidence

ROOT = Path(__file__).resolve().parents[2]
FAILING = [
    "INFO processing batch",
    'HTTP Request: GET https://api.petstore.example/v1/pets/{n} "HTTP/1.1 404 Not Found"',
    '{{"code": "not_found", "message": "no pet {n}"}}',
    "INFO moving on " + "x" * 200,
]
QUIET = ["INFO moving on " + "x" * 200, "DEBUG step {n} done", "INFO rows=42", "INFO ok"]


def main() -> None:
    doc = yaml.safe_load((ROOT / "agent/examples/demo/specs/petstore-v2.yaml").read_text())
    spec = SpecDocument(ref="petstore-v2.yaml", version=doc["openapi"], document=doc)
    print(f"{'kind':8} {'lines':>8} {'MB':>6} {'signals':>8} {'seconds':>8} {'MB/s':>6} {'us/line':>8}")
    for kind, block in (("quiet", QUIET), ("failing", FAILING)):
        for blocks in (5_000, 20_000, 80_000):
            text = "\n".join(line.format(n=n) for n in range(blocks) for line in block)
            sealed = evidence(text, "bench.log")  # redaction is measured by evals/redaction, not here
            start = time.perf_counter()
            found = extract_signals(sealed, spec, provenance=Provenance())
            took = time.perf_counter() - start
            lines = blocks * len(block)
            mb = len(text) / 1e6
            print(
                f"{kind:8} {lines:>8} {mb:>6.1f} {len(found):>8} {took:>8.2f} {mb / took:>6.1f}"
                f" {took / lines * 1e6:>8.1f}"
            )


if __name__ == "__main__":
    main()
