"""Give a freshly started server the objects a deployed one has, so ids can be discovered at all.

A staging server holds data; a new Prefect server holds none, and "no flow exists" would make
every /flows/{id} test skip for a reason no user would see; Phoenix starts with one project
and nothing else. Glances needs no seed: the machine it monitors is its data.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def _post(url: str, payload: Any) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def seed_prefect(base_url: str) -> dict[str, str]:
    """A flow with a deployment, a flow run with a task run and a log, a pool, a variable, a limit."""
    flow = _post(f"{base_url}/flows/", {"name": "nightly-etl"})
    deployment = _post(f"{base_url}/deployments/", {"name": "nightly", "flow_id": flow["id"]})
    run = _post(
        f"{base_url}/flow_runs/",
        {"flow_id": flow["id"], "name": "nightly-2026-12-01", "deployment_id": deployment["id"]},
    )
    task = _post(
        f"{base_url}/task_runs/",
        {"flow_run_id": run["id"], "task_key": "extract", "dynamic_key": "0", "name": "extract-0"},
    )
    _post(
        f"{base_url}/logs/",
        [
            {
                "name": "etl",
                "level": 20,
                "message": "started",
                "timestamp": "2026-12-01T00:00:00Z",
                "flow_run_id": run["id"],
            }
        ],
    )
    pool = _post(f"{base_url}/work_pools/", {"name": "local", "type": "process"})
    variable = _post(f"{base_url}/variables/", {"name": "region", "value": "eu"})
    limit = _post(f"{base_url}/v2/concurrency_limits/", {"name": "database", "limit": 5})
    _post(
        f"{base_url}/artifacts/",
        {"key": "report", "type": "markdown", "data": "# ok", "flow_run_id": run["id"]},
    )
    return {
        "flow": flow["id"],
        "deployment": deployment["id"],
        "flow_run": run["id"],
        "task_run": task["id"],
        "work_pool": pool["name"],
        "variable": variable["id"],
        "concurrency_limit": limit["id"],
    }


def _post_if_served(url: str, payload: Any) -> Any:
    """_post, or None where this release has no such route (the older one lacks the newer objects)."""
    try:
        return _post(url, payload)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 405):
            return None
        raise


def seed_phoenix(base_url: str) -> dict[str, str]:
    """A dataset with an experiment; where the release has them, a label, a split, an experiment
    tag and an agent session (no model is called: creating one only stores its settings)."""
    v1 = f"{base_url}/v1"
    _post(
        f"{v1}/datasets/upload?sync=true",
        {"action": "create", "name": "qa-golden", "inputs": [{"q": "2+2"}], "outputs": [{"a": "4"}]},
    )
    with urllib.request.urlopen(f"{v1}/datasets", timeout=30) as response:
        dataset = json.loads(response.read())["data"][0]["id"]
    experiment = _post(f"{v1}/datasets/{dataset}/experiments", {"name": "baseline-run"})["data"]["id"]
    _post_if_served(f"{v1}/dataset_labels", {"name": "golden", "color": "#00cc88"})
    _post_if_served(f"{v1}/datasets/{dataset}/splits", {"name": "test"})
    _post_if_served(f"{v1}/experiments/{experiment}/tags", {"name": "baseline"})
    model = {"providerType": "builtin", "provider": "OPENAI", "modelName": "gpt-4o"}
    _post_if_served(f"{v1}/agent_sessions", {"model": model, "title": "triage"})
    return {"dataset": dataset, "experiment": experiment}


SEEDS = {"prefect": seed_prefect, "phoenix": seed_phoenix}
