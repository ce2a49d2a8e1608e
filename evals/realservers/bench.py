"""Issue 17 on real servers: tests generated from the diff of two releases, run against both.

usage: .venv/bin/python -m evals.realservers.bench [--only glances,prefect] [--runs N] [--json OUT] [-v]

Per server (servers.py): start the old and the new release on 127.0.0.1 (launch.py; seeded
with objects where a fresh server has none, seed.py), each behind a recording proxy (proxy.py),
fetch both published specs, `postwright diff`, `postwright generate --spec NEW --base OLD`,
then `postwright verify --target` against the new server, the old one, and the new one again
with the collection shuffled. Prints one table row per server and each false alarm with its
class; the proxy's log is the server-side record of which destructive operations ran.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agent.plan.safety import classify
from evals.realservers.launch import Running, launch
from evals.realservers.proxy import RecordingProxy, Seen
from evals.realservers.seed import SEEDS
from evals.realservers.servers import SERVERS, Server

ROOT = Path(__file__).resolve().parents[2]
POSTWRIGHT = ROOT / ".venv" / "bin" / "postwright"
CHECKOUT: Path | None = None  # --checkout: run postwright from this source tree instead
# Independent of agent/plan/safety.py on purpose: what the proxy saw that ends or wipes something.
DESTRUCTIVE_SEEN = re.compile(r"/(clear|drop|reset|purge|logout|revoke|shutdown|delete|flush)(/|$)", re.I)
ID_PARAM = re.compile(r"\{[^}]+\}")
GOT_STATUS = re.compile(r"status code \d{3} but got (\d{3})")
# generate's "  ! pw-ID METHOD /path: reason-class: text" lines
DROP = re.compile(r"^\s+! (pw-[0-9a-f]+) [A-Z]+ \S+: ([a-z-]+):", re.M)


@dataclass
class Item:
    """One generated request and what it did on each server."""

    id: str
    operation: str  # "METHOD /path"
    kind: str
    change: str  # added | changed
    safety: str
    new: str = ""
    old: str = ""
    shuffled: str = ""
    new_status: int | None = None
    reasons: list[str] = field(default_factory=list)
    cause: str = ""


@dataclass
class Result:
    """One server's row."""

    server: str
    mode: str
    versions: str
    operations: str
    added: int
    changed: int
    generated: int
    dropped: int
    items: list[Item]
    destructive_seen: list[str]  # destructive requests the server saw, not listed in allow_operations
    seconds: float
    drops: dict[str, str] = field(default_factory=dict)  # proposal id -> why generate dropped it
    added_read_ops: int = 0
    summary: str = ""  # generate's last line
    listed: int = 0  # destructive operations listed in [target] allow_operations (vars mode)
    listed_seen: list[str] = field(default_factory=list)  # those the server saw

    def row(self) -> dict[str, Any]:
        """The figures of the issue's table."""
        on_new = Counter(i.new for i in self.items)
        passing = [i for i in self.items if i.new == "passed"]
        added_read = [i for i in self.items if i.change == "added" and i.safety == "read"]
        good_read = [i for i in added_read if i.new == "passed" and i.old == "failed"]
        good_ops = {i.operation for i in good_read}
        return {
            "server": self.server,
            "mode": self.mode,
            "versions": self.versions,
            "ops old->new": self.operations,
            "added/changed ops": f"{self.added}/{self.changed}",
            "requests": len(self.items),
            "dropped at generate": self.dropped,
            "pass new": on_new["passed"],
            "skipped new": on_new["skipped"],
            "false alarms new": on_new["failed"] + on_new["unfinished"],
            "caught old": f"{sum(i.old == 'failed' for i in passing)}/{len(passing)}",
            "added read requests: pass new & caught old": f"{len(good_read)}/{len(added_read)}",
            "added read ops with one": f"{len(good_ops)}/{self.added_read_ops}",
            "shuffle same": all(i.shuffled == i.new for i in self.items),
            "unlisted destructive ran": len(self.destructive_seen),
            "listed destructive ran": f"{len({x.rsplit(' -> ', 1)[0] for x in self.listed_seen})}"
            f"/{self.listed}",
        }


def pw(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """postwright with its state in CWD (no user config is found from there), from CHECKOUT if set."""
    env = dict(os.environ)
    command = [str(POSTWRIGHT)]
    if CHECKOUT is not None:  # another source tree (e.g. `git archive HEAD`), run with this venv
        env["PYTHONPATH"] = str(CHECKOUT)
        command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "agent"]
    return subprocess.run(
        [*command, "--state-dir", str(cwd / "state"), *args], cwd=cwd, capture_output=True, text=True, env=env
    )


def changed_operations(old: Path, new: Path, work: Path) -> tuple[set[str], set[str]]:
    """Operations added, and operations otherwise changed, by `postwright diff`."""
    done = pw("diff", str(old), str(new), "-f", "json", cwd=work)
    if done.returncode not in (0, 1):
        raise SystemExit(f"diff failed: {done.stderr[-500:]}")
    added: set[str] = set()
    changed: set[str] = set()
    for change in json.loads(done.stdout)["changes"]:
        op = change.get("operation")
        if op:
            (added if change["id"] == "endpoint-added" else changed).add(op)
    return added, changed - added


def items_of(collection: dict[str, Any]) -> list[dict[str, Any]]:
    """Every request item, folders flattened."""
    out: list[dict[str, Any]] = []
    for entry in collection.get("item", []):
        out.extend(items_of(entry) if "item" in entry else [entry])
    return out


def shuffled(collection: dict[str, Any], seed: int) -> dict[str, Any]:
    """The same items, flattened into one random order (setup items keep their place first)."""
    flat = items_of(collection)
    setup = [i for i in flat if str(i.get("id", "")).startswith("pw-setup")]
    rest = [i for i in flat if i not in setup]
    random.Random(seed).shuffle(rest)
    return {**collection, "item": setup + rest}


def verify(collection: Path, target: str, runs: int, work: Path) -> dict[str, dict[str, Any]]:
    """Item id -> its verify record, against TARGET."""
    done = pw(
        "verify", str(collection), "--target", target, "--runs", str(runs), "--format", "json", cwd=work
    )
    try:
        report = json.loads(done.stdout)
    except ValueError as exc:
        raise SystemExit(f"verify gave no JSON (exit {done.returncode}): {done.stderr[-800:]}") from exc
    return {item["id"]: item for item in report["items"]}


def cause(item: Item, before: list[str]) -> str:
    """The class of a false alarm: the issue's four, or what else it was."""
    status = item.new_status
    text = " ".join(item.reasons)
    if status in (401, 403) and before:
        return "1 session/state poisoned by an earlier request"
    if status == 404 and ID_PARAM.search(item.operation):
        return "2 path value names no real object"
    if status in (400, 409, 422):
        return "3 server refuses schema-valid input"
    if "ECONNREFUSED" in text or "ETIMEDOUT" in text:
        return "new: request never reached the server (redirect to an unreachable origin)"
    if status is not None and status >= 500:
        return "new: server error (5XX) on a generated request"
    if status is not None and 200 <= status < 300 and "JSON" in text:
        return "new: body assertion the response cannot meet (e.g. JSON body on HEAD/204)"
    if status is not None and 200 <= status < 300:
        return "new: response differs from its spec (schema/header)"
    return f"other: status {status}"


def _start_pair(name: str, root: Path) -> tuple[Running, Running]:
    server = SERVERS[name]
    with ThreadPoolExecutor(max_workers=2) as pool:
        old, new = pool.map(lambda v: launch(name, v, root / f"server-{v}"), (server.old, server.new))
    return old, new


class ModeFailed(RuntimeError):
    """A mode's collection could not be made (e.g. an older tree without [variables])."""


@dataclass
class Pair:
    """Both servers running behind their proxies, their specs, and what changed between them."""

    name: str
    root: Path
    urls: dict[str, str]
    proxies: dict[str, RecordingProxy]
    specs: dict[str, Path]
    added: set[str]
    changed: set[str]


def measure(name: str, runs: int, seed: int, root: Path, modes: list[str]) -> list[Result]:
    """One server: launch both releases, then score each mode's collection on them."""
    server = SERVERS[name]
    old, new = _start_pair(name, root)
    proxies = {"old": RecordingProxy(old.origin), "new": RecordingProxy(new.origin)}
    try:
        urls = {tag: proxy.start() + server.api_root for tag, proxy in proxies.items()}
        if name in SEEDS:
            for running in (old, new):
                SEEDS[name](running.base_url)
        specs = {"old": root / "old.json", "new": root / "new.json"}
        for tag, running in (("old", old), ("new", new)):
            specs[tag].write_text(json.dumps(running.spec()))
        added, changed = changed_operations(specs["old"], specs["new"], root)
        pair = Pair(name, root, urls, proxies, specs, added, changed)
        wanted = [m for m in modes if m != "vars" or server.variables]  # vars: only where known
        results = []
        for mode in wanted:
            try:
                results.append(score(pair, mode, runs, seed))
            except ModeFailed as exc:  # one mode the tree cannot run: say so, measure the rest
                print(f"{name} {mode}: not measured: {exc}")
        return results
    finally:
        for proxy in proxies.values():
            proxy.stop()
        old.stop()
        new.stop()


def score(pair: Pair, mode: str, runs: int, seed: int) -> Result:
    """Generate in MODE (raw: the whole collection; kept: what verify against the new server kept),
    then verify it against the new server, the old one, and the new one shuffled."""
    started = time.perf_counter()
    server = SERVERS[pair.name]
    work = pair.root / mode
    work.mkdir()
    coll_path = work / "collection.json"
    args = [
        "generate",
        "--spec",
        str(pair.specs["new"]),
        "--base",
        str(pair.specs["old"]),
        "-o",
        str(coll_path),
    ]
    args += ["--seed", str(seed), "--base-url", pair.urls["new"]]
    if mode in ("kept", "vars"):  # the filter: the new server is the target, the old the base
        config = f'[sandbox]\ntarget = "{pair.urls["new"]}"\nruns = {runs}\n'
        config += f'\n[target]\nbase_url = "{pair.urls["old"]}"\n'
        if mode == "vars":  # the values its user knows, and the destructive operations it allows
            config = config.replace(
                "[target]\n", f"[target]\nallow_operations = {json.dumps(server.allow)}\n"
            )
            config += "\n[variables]\n" + "".join(f'{k} = "{v}"\n' for k, v in server.variables.items())
        (work / "postwright.toml").write_text(config)
        args.append("--verify")
    pair.proxies["new"].clear()
    gen = pw(*args, cwd=work)
    seen_new = pair.proxies["new"].clear()
    if not coll_path.exists():
        raise ModeFailed(f"generate wrote nothing: {gen.stderr[-800:]}")
    collection = json.loads(coll_path.read_text())
    spec_new = json.loads(pair.specs["new"].read_text())
    items = [_item(raw, pair.added, spec_new) for raw in items_of(collection) if not _is_setup(raw)]
    on_new = verify(coll_path, pair.urls["new"], runs, work)
    seen_new += pair.proxies["new"].clear()
    on_old = verify(coll_path, pair.urls["old"], runs, work)
    mixed = work / "shuffled.json"
    mixed.write_text(json.dumps(shuffled(collection, seed)))
    on_mixed = verify(mixed, pair.urls["new"], runs, work)
    seen_new += pair.proxies["new"].clear()
    for item in items:
        _fill(item, on_new, on_old, on_mixed, seen_new)
    count = {tag: _operations(json.loads(path.read_text())) for tag, path in pair.specs.items()}
    return Result(
        server=pair.name,
        mode=mode,
        versions=f"{server.old} -> {server.new}",
        operations=f"{count['old']} -> {count['new']}",
        added=len(pair.added),
        changed=len(pair.changed),
        generated=len(items) + _dropped(gen.stderr),
        dropped=_dropped(gen.stderr),
        items=items,
        destructive_seen=[_said(s) for s in seen_new if _destroys(s) and not _listed(s, server, mode)],
        listed=len(server.allow) if mode == "vars" else 0,
        listed_seen=[_said(s) for s in seen_new if _listed(s, server, mode)],
        seconds=time.perf_counter() - started,
        drops=dict(DROP.findall(gen.stderr)),
        added_read_ops=len([op for op in pair.added if _safety(spec_new, op) == "read"]),
        summary=gen.stderr.strip().splitlines()[-1] if gen.stderr.strip() else "",
    )


def _is_setup(raw: dict[str, Any]) -> bool:
    """A discovery request (pw-setup): not a test of a changed operation."""
    return str(raw.get("id", "")).startswith("pw-setup") or "(finds " in str(raw.get("name", ""))


def _operations(spec: dict[str, Any]) -> int:
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return sum(1 for entry in spec.get("paths", {}).values() for m in entry if m in methods)


def _op(spec: dict[str, Any], operation: str) -> dict[str, Any] | None:
    method, _, path = operation.partition(" ")
    found = spec.get("paths", {}).get(path, {}).get(method.lower())
    return found if isinstance(found, dict) else None


def _safety(spec: dict[str, Any], operation: str) -> str:
    method, _, path = operation.partition(" ")
    return classify(method, path, _op(spec, operation)).safety


def _item(raw: dict[str, Any], added: set[str], spec: dict[str, Any]) -> Item:
    name = str(raw.get("name", ""))
    operation, _, rest = name.partition(" [")
    method, _, path = operation.partition(" ")
    op = _op(spec, operation)
    return Item(
        id=str(raw.get("id", name)),
        operation=operation,
        kind=rest.partition("]")[0],
        change="added" if operation in added else "changed",
        safety=classify(method, path, op).safety,
    )


def _fill(
    item: Item,
    on_new: dict[str, dict[str, Any]],
    on_old: dict[str, dict[str, Any]],
    on_mixed: dict[str, dict[str, Any]],
    seen: list[Seen],
) -> None:
    record = on_new.get(item.id, {})
    item.new = record.get("status", "missing")
    item.old = on_old.get(item.id, {}).get("status", "missing")
    item.shuffled = on_mixed.get(item.id, {}).get("status", "missing")
    item.new_status = (record.get("response") or {}).get("status") or _status_in(record.get("reasons", []))
    item.reasons = list(record.get("reasons", []))
    if item.new in ("failed", "unfinished"):
        state_changers = [s for s in seen if s.method not in ("GET", "HEAD", "OPTIONS")]
        item.cause = cause(item, [f"{s.method} {s.path}" for s in state_changers])


def _said(seen: Seen) -> str:
    return f"{seen.method} {seen.path} -> {seen.status}"


def _listed(seen: Seen, server: Server, mode: str) -> bool:
    """SEEN is an operation vars mode lists in allow_operations ("METHOD /path", literal paths)."""
    listed = {f"{m} {server.api_root}{path}" for m, _, path in (a.partition(" ") for a in server.allow)}
    return mode == "vars" and f"{seen.method} {seen.path}" in listed


def _status_in(reasons: list[str]) -> int | None:
    """The status newman's failing assertion names, for reports that carry no response record."""
    found = GOT_STATUS.search(" ".join(reasons))
    return int(found.group(1)) if found else None


def _destroys(seen: Seen) -> bool:
    return seen.method == "DELETE" or bool(DESTRUCTIVE_SEEN.search(seen.path))


def _dropped(stderr: str) -> int:
    found = re.search(r"(\d+) dropped", stderr)
    return int(found.group(1)) if found else 0


def report(results: list[Result], verbose: bool) -> None:
    """The per-server table, then each false alarm with its class."""
    rows = [r.row() for r in results]
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + " --- |" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    for result in results:
        print(f"\n{result.server} {result.mode} ({result.seconds:.0f}s): {result.summary}")
        print(f"  destructive requests the server saw: "
              f"{result.destructive_seen or 'none'}")  # fmt: skip
        causes = Counter(i.cause for i in result.items if i.cause)
        for label, n in causes.most_common():
            print(f"  false alarms, {label}: {n}")
        for item in result.items:
            flag = item.cause or (
                "not caught on old" if item.new == "passed" and item.old != "failed" else ""
            )
            if verbose or item.cause:
                head = f"{item.new:8s} old={item.old:8s} shuf={item.shuffled:8s}"
                head += f" {item.change:7s} {item.safety:11s}"
                tail = f"{item.new_status} {flag} {' '.join(item.reasons)[:160]}"
                print(f"  {head} {item.operation} [{item.kind}] {tail}")
        for reason, n in Counter(result.drops.values()).most_common():
            print(f"  dropped at generate, {reason}: {n}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="comma-separated server names")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--modes",
        default="raw,kept,vars",
        help="raw (generate), kept (generate --verify), vars (kept, with [variables] a user would give)",
    )
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", type=Path, help="write every item's outcome here")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every item")
    parser.add_argument(
        "--checkout", type=Path, help="a source tree to run postwright from (its sandbox/ too)"
    )
    args = parser.parse_args()
    global CHECKOUT
    CHECKOUT = args.checkout
    # a SIGTERM runs the finally blocks too: the servers (own process groups) are stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    names = [n for n in args.only.split(",") if n] or list(SERVERS)
    results = []
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"pw-bench-{name}-") as tmp:
            results.extend(measure(name, args.runs, args.seed, Path(tmp), args.modes.split(",")))
    if results:
        report(results, args.verbose)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))


if __name__ == "__main__":
    main()
