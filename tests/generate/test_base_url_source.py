"""{{baseUrl}} is the user's: a spec's ``servers`` never decide where a generated test goes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "agent" / "examples" / "demo" / "specs"


def _generate(tmp: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[dict, str]:
    import os

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "generate",
            "--spec",
            str(DEMO / "petstore-v2.yaml"),
            "-o",
            "t.json",
            *extra,
        ],
        cwd=tmp,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return json.loads((tmp / "t.json").read_text()), done.stderr


def _base_url(collection: dict) -> str:
    return next(str(v["value"]) for v in collection["variable"] if v["key"] == "baseUrl")


def test_spec_servers_are_not_the_default_target(tmp_path: Path) -> None:
    collection, err = _generate(tmp_path)
    assert _base_url(collection) == ""
    assert "{{baseUrl}} is empty" in err


def test_base_url_comes_from_the_flag_or_the_settings(tmp_path: Path) -> None:
    collection, err = _generate(tmp_path, "--base-url", "http://127.0.0.1:8080/v2")
    assert _base_url(collection) == "http://127.0.0.1:8080/v2" and "is empty" not in err
    collection, _ = _generate(tmp_path, env={"POSTWRIGHT_BASE_URL": "https://staging.internal/api"})
    assert _base_url(collection) == "https://staging.internal/api"
