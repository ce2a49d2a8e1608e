"""Run the stand-in by hand: ``python -m tests.github.standin`` prints its URL and a token."""

from __future__ import annotations

import signal
import threading

from tests.github.standin.control import GitHubStandIn


def main() -> None:
    standin = GitHubStandIn()
    standin.create_repo("acme/api-tests", files={"README.md": "# api-tests\n"})
    token = standin.token_for("octocat")
    print(f"GitHub stand-in at {standin.url} (repo acme/api-tests)", flush=True)
    print(f"export GITHUB_TOKEN={token}", flush=True)
    stop = threading.Event()
    # Ctrl-C or a TERM ends it; both handlers are set here because a shell without job control
    # starts background commands with SIGINT ignored, and Python then installs no handler of its own
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    standin.close()


if __name__ == "__main__":
    main()
