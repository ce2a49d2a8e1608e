"""The provider as Airflow sees it: get_provider_info() validates against the provider schema shipped
in the Airflow venv, Airflow's ProvidersManager finds both connection types, and the provider
imports nothing of Airflow but the task SDK and nothing of postwright."""

from __future__ import annotations

import ast
import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.airflow.airflow_harness import ensure_venv
from tests.airflow_provider.provider_modules import SRC

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(900)]

PROBE = """
import json
from postwright_provider import get_provider_info
from airflow.providers_manager import ProvidersManager
manager = ProvidersManager()
ours = {t: h for t, h in manager.hooks.items() if h and t.startswith("postwright")}
hooks = {t: (h.hook_class_name, h.connection_id_attribute_name) for t, h in ours.items()}
registered = "postwright-airflow-provider" in manager.providers
print(json.dumps({"info": get_provider_info(), "registered": registered, "hooks": hooks}))
"""


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    venv = ensure_venv()
    home = tmp_path_factory.mktemp("airflow-home")  # any airflow import may write airflow.cfg there
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=300,
        env={"AIRFLOW_HOME": str(home), "HOME": str(home), "PATH": str(venv / "bin")},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return venv, json.loads(done.stdout.strip().splitlines()[-1])


def test_provider_info_validates_against_airflows_schema(seen: tuple[Path, dict[str, Any]]) -> None:
    venv, probe = seen
    (schema_file,) = (venv / "lib").glob("python3*/site-packages/airflow/provider_info.schema.json")
    schema = json.loads(schema_file.read_text())
    info = probe["info"]
    jsonschema.validate(info, schema)
    assert set(info) <= set(schema["properties"])  # the schema allows more; Airflow reads only these
    types = {c["connection-type"]: c["hook-class-name"] for c in info["connection-types"]}
    assert set(types) == {"postwright", "postwright_target"}
    assert probe["registered"]
    assert probe["hooks"] == {
        "postwright": [types["postwright"], "postwright_conn_id"],
        "postwright_target": [types["postwright_target"], "target_conn_id"],
    }


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_the_provider_needs_only_the_task_sdk() -> None:
    project = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text())["project"]
    assert [d.split(">")[0].split("=")[0] for d in project["dependencies"]] == ["apache-airflow-task-sdk"]
    imported = {name for path in SRC.rglob("*.py") for name in _imports(path)}
    airflow = {n for n in imported if n.split(".")[0] == "airflow"}
    assert airflow and all(n == "airflow.sdk" or n.startswith("airflow.sdk.") for n in airflow), airflow
    assert not {n for n in imported if n.split(".")[0] in ("agent", "pydantic", "typer")}
