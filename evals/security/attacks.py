"""Counts what the adversarial suite's attacks achieve: requests and tokens the attacker's listener
received, planted files read, canaries written to any artifact.

The suite in ``tests/security/`` asserts zeros; this prints the counts, so the same attacks
can be measured on another checkout (``--checkout DIR`` runs that tree's ``agent`` package,
e.g. a worktree of the commit before issue 14):

    python -m evals.security.attacks [--checkout DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from tests.security.attack_kit import (
    Canaries,
    Recorder,
    artifacts,
    cli,
    hostile_spec_pair,
    leaks,
    newman,
    script_payloads,
    write_yaml,
)

ROOT = Path(__file__).resolve().parents[2]


def _spec_attack(
    tmp: Path, *, payloads: dict[str, str], listener: Recorder, target: Recorder
) -> dict[str, int]:
    canaries = Canaries()
    first = next(iter(payloads.values()))
    payloads = {**payloads, "second": first + "2", "third": "x" + first}  # every name position
    base, revision = hostile_spec_pair(listener.url, payloads)
    write_yaml(tmp / "base.yaml", base)
    write_yaml(tmp / "rev.yaml", revision)
    done = cli("generate", "--spec", "rev.yaml", "--base", "base.yaml", "-o", "tests.json", cwd=tmp)
    if not (tmp / "tests.json").exists():
        return {"generated": 0, "requests": 0, "tokens": 0, "artifacts": 0}
    before = len(listener.requests)
    token, key = ("accessToken", canaries.token), ("apiKey", canaries.api_key)
    newman(tmp / "tests.json", token, key, cwd=tmp)  # baseUrl as the collection has it
    newman(tmp / "tests.json", token, key, ("baseUrl", target.url), cwd=tmp)
    heard = listener.requests[before:]
    return {
        "generated": 1,
        "requests": len(heard),
        "tokens": sum(canaries.token in json.dumps(r) or canaries.api_key in json.dumps(r) for r in heard),
        "artifacts": len(leaks(canaries.values, artifacts(tmp, outputs=done.stdout + done.stderr))),
    }


def _ref_attack(tmp: Path, *, ref_kind: str) -> dict[str, int]:
    import test_hostile_files_and_verify_e2e as refs

    canaries = Canaries()
    outside, project = tmp / "outside", tmp / "project"
    outside.mkdir()
    project.mkdir()
    leak = {"type": "string", "enum": [canaries.file_secret], "description": canaries.file_secret}
    (outside / "secret.yaml").write_text(json.dumps(leak))
    (outside / "doc.yaml").write_text(json.dumps({"components": {"schemas": {"S": leak}}}))
    (project / "link").symlink_to(outside, target_is_directory=True)
    write_yaml(project / "base.yaml", {**refs._spec_with_ref("#/x"), "paths": {}})
    write_yaml(
        project / "rev.yaml", refs._spec_with_ref(refs._refs(outside / "secret.yaml", outside)[ref_kind])
    )
    done = cli("generate", "--spec", "rev.yaml", "--base", "base.yaml", "-o", "tests.json", cwd=project)
    hits = leaks({"file": canaries.file_secret}, artifacts(project, outputs=done.stdout + done.stderr))
    return {"files read": int(bool(hits)), "artifacts": len(hits)}


def _log_attack(tmp: Path, *, listener: Recorder, target: Recorder) -> dict[str, int]:
    from agent import demo
    from tests.security.hostile_log import canaries, plant_log, published, run_gullible

    c = canaries()
    ws = demo.prepare(tmp / "ws")
    plant_log(ws, c, listener)
    if os.environ["PYTHONPATH"] != str(ROOT):  # a tree from before the base_url setting refuses it
        config = ws.root / "postwright.toml"
        config.write_text(
            "".join(x for x in config.read_text().splitlines(True) if not x.startswith("base_url"))
        )
    done, prompts, _ = run_gullible(ws)
    places = [*artifacts(ws.root, ws.repo, outputs=done.stdout + done.stderr, skip=(ws.root / "logs",))]
    places.append(("prompts", prompts.encode()))
    found = leaks(c.values, places)
    before = len(listener.requests)
    collection = published(ws)
    if collection is not None:
        (tmp / "published.json").write_text(collection)
        newman(tmp / "published.json", ("accessToken", c.token), ("baseUrl", target.url), cwd=tmp)
    heard = listener.requests[before:]
    return {
        "requests": len(heard),
        "tokens": sum(c.token in json.dumps(r) for r in heard),
        "artifacts": len(found),
        "kinds leaked": len({f.split(" in ")[0] for f in found}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=ROOT, help="tree whose agent package to attack")
    parser.add_argument("--only", default="", help="run only the attacks whose name holds this text")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(args.checkout.resolve())
    listener, target = Recorder(), Recorder(answer={"id": 1})
    payloads = script_payloads(listener.port)
    attacks: list[tuple[str, Callable[[Path], dict[str, int]]]] = [
        (
            f"spec name payload: {name}",
            partial(_spec_attack, payloads={name: p}, listener=listener, target=target),
        )
        for name, p in sorted(payloads.items())
    ]
    attacks.append(
        ("spec, all payloads", partial(_spec_attack, payloads=payloads, listener=listener, target=target))
    )
    for kind in ("file-url", "dot-dot", "deep-dot-dot", "absolute", "symlink-out", "encoded", "fragment"):
        attacks.append((f"$ref: {kind}", partial(_ref_attack, ref_kind=kind)))
    attacks.append(
        ("hostile log, run + gullible model", partial(_log_attack, listener=listener, target=target))
    )
    rows: list[tuple[str, dict[str, int]]] = []
    try:
        for name, attack in attacks:
            if args.only in name:
                with tempfile.TemporaryDirectory() as tmp:
                    rows.append((name, attack(Path(tmp))))
    finally:
        listener.close()
        target.close()
    keys = ["requests", "tokens", "files read", "artifacts"]
    print(f"checkout: {args.checkout}")
    print(
        "| attack | " + " | ".join(f"listener {k}" if k in ("requests", "tokens") else k for k in keys) + " |"
    )
    print("|---" * (len(keys) + 1) + "|")
    for name, row in rows:
        print(f"| {name} | " + " | ".join(str(row.get(k, "–")) for k in keys) + " |")
    totals = {k: sum(r.get(k, 0) for _, r in rows) for k in keys}
    print("| **total** | " + " | ".join(str(totals[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
