"""Measure the sandbox: Prism start, newman wall time per run, per-request time (prints figures)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

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


def main() -> None:
    """Run a 12-item collection 5 times per isolation mode and print the timings."""
    spec = load_spec(str(ROOT / "agent/examples/demo/specs/petstore-v2.yaml"))
    runs, size = 5, 12
    collection = {"info": {"name": "bench"}, "item": [_item(n) for n in range(size)]}
    for isolate in ("netns", "none"):
        began = time.monotonic()
        report = NewmanRunner(default_sandbox_dir(), isolate=isolate).run(collection, spec, runs)
        total = time.monotonic() - began
        walls = [r.wall_seconds for r in report.runs]
        newman = [r.run_seconds or 0.0 for r in report.runs]
        requests = [s for o in report.items.values() for s in o.request_seconds]
        passed = sum(o.status == "passed" for o in report.items.values())
        print(f"isolation={report.isolation} items={size} runs={runs} passed={passed} total={total:.2f}s")
        print(f"  prism ready: {report.mock_seconds:.2f}s")
        spread = f"(min {min(walls):.2f}, max {max(walls):.2f})"
        print(f"  newman process per run: median {statistics.median(walls):.2f}s {spread}")
        print(f"  newman run time per run: median {statistics.median(newman):.3f}s")
        median_ms, max_ms = statistics.median(requests) * 1000, max(requests) * 1000
        print(f"  request: median {median_ms:.0f} ms, max {max_ms:.0f} ms")


if __name__ == "__main__":
    main()
