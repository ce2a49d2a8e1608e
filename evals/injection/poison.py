"""A clean demo workspace, and planting one piece of poison in a log line or the revision spec."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from agent import demo
from evals.injection.attacks import LOG, SCHEMA_DESCRIPTION, SPEC_DESCRIPTION, SPEC_EXAMPLE

RUN = "dag_id=petstore_sync/run_id=scheduled__2026-11-24T02:00:00+00:00"
FETCH_1 = f"logs/{RUN}/task_id=fetch_pets/attempt=1.log"
FETCH_2 = f"logs/{RUN}/task_id=fetch_pets/attempt=2.log"
SPEC = "specs/petstore-v2.yaml"


def clean_workspace(root: Path) -> demo.Workspace:
    """The demo workspace without the demo's own planted injection (so a clean run is clean)."""
    ws = demo.prepare(root)
    path = ws.root / FETCH_2
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if "AI ASSISTANT" not in line]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ws


def _log_event(text: str) -> str:
    event = {
        "timestamp": "2026-11-24T02:00:13.500000Z",
        "event": text,
        "level": "info",
        "logger": "task.stdout",
        "dag_id": "petstore_sync",
        "task_id": "fetch_pets",
        "try_number": 1,
        "map_index": -1,
        "run_id": "scheduled__2026-11-24T02:00:00+00:00",
    }
    return json.dumps(event, ensure_ascii=False)


def plant(ws: demo.Workspace, text: str, placement: str) -> None:
    """Put ``text`` where ``placement`` says; the model sees it when it is asked about GET /pets."""
    if placement == LOG:
        path = ws.root / FETCH_1
        lines = path.read_text(encoding="utf-8").splitlines()
        # right after the failed call, inside the excerpt window the model is shown
        at = next(i for i, line in enumerate(lines) if "HTTP Request: GET" in line) + 1
        lines.insert(at, _log_event(text))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return
    path = ws.root / SPEC
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if placement == SPEC_DESCRIPTION:
        doc["paths"]["/pets"]["get"]["description"] = text
    elif placement == SCHEMA_DESCRIPTION:
        doc["components"]["schemas"]["Pet"]["description"] = text
    elif placement == SPEC_EXAMPLE:
        shelter = next(p for p in doc["paths"]["/pets"]["get"]["parameters"] if p["name"] == "shelterId")
        shelter["example"] = text
        shelter["schema"].pop("pattern", None)  # else the example would not validate and never be used
        doc["components"]["schemas"]["NewPet"]["properties"]["name"]["example"] = text
    else:
        raise ValueError(f"unknown placement {placement!r}")
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
