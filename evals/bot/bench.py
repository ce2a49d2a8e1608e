"""The PR bot on the bundled example: how long `/postwright propose` takes from the webhook to the
sticky comment (generate, check, verify against the Prism mock, publish), and how fast deliveries
are answered. Against the GitHub stand-in on 127.0.0.1; needs `make sandbox bot-env`.
Run: .venv/bin/python -m evals.bot.bench [--repeat 3] [--no-verify]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from tests.bot.world import prepare
from tests.github.standin.control import GitHubStandIn


def propose_once(verify: bool) -> tuple[float, list[float], str]:
    """Seconds from the delivery to the answered sticky comment; 202 latencies; the comment."""
    hub = GitHubStandIn()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            world, env = prepare(hub, Path(tmp) / "bot", sandbox=verify)
            os.environ.update(env)
            os.environ.pop("POSTWRIGHT_STATE_DIR", None)
            world.start()
            acks: list[float] = []
            started = time.monotonic()
            sent = world.send("issue_comment", world.comment("maintainer", "/postwright propose"))
            acks.append(sent.elapsed.total_seconds())
            world.wait(lambda: any("proposed tests" in b or "Could not" in b for b in world.sticky()), 300)
            took = time.monotonic() - started
            [sticky] = world.sticky()
            world.wait(world.idle, 300)
            for _ in range(20):  # answered while nothing works: the queue's write and the 202
                acks.append(
                    world.send(
                        "issue_comment", world.comment("writer", "/postwright help")
                    ).elapsed.total_seconds()
                )
            world.wait(world.idle, 300)
            world.stop()
            return took, acks, sticky
    finally:
        hub.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-verify", dest="verify", action="store_false")
    args = parser.parse_args()
    runs = [propose_once(args.verify) for _ in range(args.repeat)]
    took = [r[0] for r in runs]
    acks = sorted(a for r in runs for a in r[1])
    print(f"propose (verify={args.verify}): median {statistics.median(took):.2f} s, max {max(took):.2f} s")
    print(f"delivery answered: median {statistics.median(acks) * 1000:.1f} ms, max {max(acks) * 1000:.1f} ms")
    print("sticky comment of the last run:\n" + runs[-1][2])


if __name__ == "__main__":
    main()
