"""Measure the sandbox: Prism start, newman wall time per run, per-request time (prints figures)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from agent.runner import NewmanRunner
from agent.runner.sandbox import default_sandbox_dir
from agent.specs.load import load_spec

ROOT = Path(__file__).resolve().parents[2]


def _item(n: int) -> dict[str, object]:
    return {
        "id": f"pw-bench-{n}",
        "name": f"bench {n}",
        "request": {
            "method": "GET",
            "header": [{"key": "Authorization", "value": "Bearer {{accessToken}}"}],
            "url": "{{baseUrl}}/pets/42",
        },
        "event": [
            {
                "listen": "test",
                "script": {
                    "exec": [
                        "pm.test('200', () => pm.response.to.have.status(200));",
                        "pm.test('id', () => pm.expect(pm.response.json()).to.have.property('id'));",
                    ]
                },
            }
        ],
    }


def measure(
    runs: int = 5, size: int = 12, isolations: tuple[str, ...] = ("netns", "none")
) -> list[dict[str, Any]]:
    """Per isolation mode: Prism start, newman process and run time per run, request times."""
    spec = load_spec(str(ROOT / "agent/examples/demo/specs/petstore-v2.yaml"))
    collection = {"info": {"name": "bench"}, "item": [_item(n) for n in range(size)]}
    rows = []
    for isolate in isolations:
        began = time.monotonic()
        report = NewmanRunner(default_sandbox_dir(), isolate=isolate).run(collection, spec, runs)
        requests = [s for o in report.items.values() for s in o.request_seconds]
        rows.append(
            {
                "isolation": report.isolation,
                "items": size,
                "runs": runs,
                "passed": sum(o.status == "passed" for o in report.items.values()),
                "total": time.monotonic() - began,
                "prism": report.mock_seconds,
                "walls": [r.wall_seconds for r in report.runs],
                "newman": [r.run_seconds or 0.0 for r in report.runs],
                "request_ms": [s * 1000 for s in requests],
            }
        )
    return rows


def main() -> None:
    """Run a 12-item collection 5 times per isolation mode and print the timings."""
    for r in measure():
        print(f"isolation={r['isolation']} items={r['items']} runs={r['runs']} passed={r['passed']} "
              f"total={r['total']:.2f}s")  # fmt: skip
        print(f"  prism ready: {r['prism']:.2f}s")
        walls = r["walls"]
        spread = f"(min {min(walls):.2f}, max {max(walls):.2f})"
        print(f"  newman process per run: median {statistics.median(walls):.2f}s {spread}")
        print(f"  newman run time per run: median {statistics.median(r['newman']):.3f}s")
        ms = r["request_ms"]
        print(f"  request: median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms")


if __name__ == "__main__":
    main()
