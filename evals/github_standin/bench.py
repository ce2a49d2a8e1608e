"""The GitHub stand-in's costs: spec load, server start, and a request with and without the contract.

usage: .venv/bin/python -m evals.github_standin.bench [--requests N]

Needs `make github-env` (tests/github/contract). Prints one table: the contract's spec load
(postwright's loader over @octokit/openapi's api.github.com.json), the server's start, and the
mean time of a GET (git/ref) and a POST (git/blobs) over one keep-alive connection, each with
the contract check observing every exchange and without it.
"""

from __future__ import annotations

import argparse
import sys
import time

import httpx

from tests.github.standin.contract import Contract, missing
from tests.github.standin.control import GitHubStandIn


def _per_request(client: httpx.Client, count: int) -> tuple[float, float]:
    client.get("/repos/acme/bench")  # warm the connection
    started = time.perf_counter()
    for _ in range(count):
        client.get("/repos/acme/bench/git/ref/heads/main")
    gets = (time.perf_counter() - started) / count
    started = time.perf_counter()
    for i in range(count):
        client.post("/repos/acme/bench/git/blobs", json={"content": f"blob {i}"})
    return gets, (time.perf_counter() - started) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    why = missing()
    if why:
        print(why, file=sys.stderr)
        return 2
    started = time.perf_counter()
    contract = Contract.load()
    load = time.perf_counter() - started
    started = time.perf_counter()
    standin = GitHubStandIn()
    start = time.perf_counter() - started
    standin.create_repo("acme/bench")
    token = standin.token_for("octocat", limit=10**9)
    rows = [
        ("spec load (api.github.com.json)", f"{load * 1000:.0f} ms"),
        ("server start", f"{start * 1000:.1f} ms"),
    ]
    try:
        with httpx.Client(base_url=standin.url, headers={"Authorization": f"Bearer {token}"}) as client:
            for label, observer in (("without contract", None), ("with contract", contract.observe)):
                standin.server.observe(observer)
                get, post = _per_request(client, args.requests)
                rows += [
                    (f"GET git/ref, {label}", f"{get * 1000:.2f} ms"),
                    (f"POST git/blobs, {label}", f"{post * 1000:.2f} ms"),
                ]
    finally:
        standin.close()
    assert not contract.take(), "the bench's own exchanges broke the contract"
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
