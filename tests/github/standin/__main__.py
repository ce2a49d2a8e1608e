"""Run the stand-in by hand: ``python -m tests.github.standin`` prints its URL and a token."""

from __future__ import annotations

import sys
import time

from tests.github.standin.control import GitHubStandIn


def main() -> None:
    standin = GitHubStandIn()
    standin.create_repo("acme/api-tests", files={"README.md": "# api-tests\n"})
    token = standin.token_for("octocat")
    print(f"GitHub stand-in at {standin.url} (repo acme/api-tests)", flush=True)
    print(f"export GITHUB_TOKEN={token}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
