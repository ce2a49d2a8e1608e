"""postwright for Airflow: connection types, hooks and operators that run postwright out of process."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

HOOKS = "postwright_provider.hooks.postwright"


def get_provider_info() -> dict[str, Any]:
    """What Airflow's ProvidersManager reads (entry point ``apache_airflow_provider``)."""
    return {
        "package-name": "postwright-airflow-provider",
        "name": "postwright",
        "description": "Propose Postman tests from failing tasks and spec changes, and check the merged"
        " collection against its target, with postwright running in its own environment.",
        "integrations": [{"integration-name": "postwright", "tags": ["software"]}],
        "hooks": [{"integration-name": "postwright", "python-modules": [HOOKS]}],
        "operators": [
            {"integration-name": "postwright", "python-modules": ["postwright_provider.operators.postwright"]}
        ],
        "connection-types": [
            {
                "connection-type": "postwright",
                "hook-class-name": f"{HOOKS}.PostwrightHook",
                "hook-name": "postwright",
            },
            {
                "connection-type": "postwright_target",
                "hook-class-name": f"{HOOKS}.PostwrightTargetHook",
                "hook-name": "postwright target",
            },
        ],
    }
