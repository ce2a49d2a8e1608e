"""A batch whose newman report is over the cap (newman's JSON report holds every response body) is
run again as two halves, down to single items: the others get their verdicts, and only an item
whose own report is over the cap stays unfinished (never failed).

Kubernetes' list responses made 14 of its 19 batches of 100 give no verdicts at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.cli.main import main
from agent.runner import newman

_ITEM = {"type": "object", "properties": {"name": {"type": "string"}}}


def _doc() -> dict[str, Any]:
    big = {"items": [{"name": "n" * 1000} for _ in range(120)]}  # ~120 kB served
    paths = {
        f"/small{i}": {
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": _ITEM, "example": {"name": f"s{i}"}}},
                    }
                }
            }
        }
        for i in range(5)
    }
    paths["/big"] = {
        "get": {
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"items": {"type": "array", "items": _ITEM}},
                            },
                            "example": big,
                        }
                    },
                }
            }
        }
    }
    return {"openapi": "3.0.3", "info": {"title": "Sizes", "version": "1"}, "paths": paths}


def test_an_oversized_batch_is_split_until_each_item_has_a_verdict(
    sandbox_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_doc()))
    out = tmp_path / "tests.json"
    with pytest.raises(SystemExit) as done:
        main(["--state-dir", str(tmp_path / "state"), "generate", "--spec", str(spec), "-o", str(out)])
    assert done.value.code == 0, capsys.readouterr().err
    capsys.readouterr()
    # a small item's report is a few tens of kB; the big response alone is several hundred
    monkeypatch.setattr(newman, "MAX_REPORT_BYTES", 250_000)
    with pytest.raises(SystemExit) as done:
        main(
            [
                "verify", str(out), "--spec", str(spec), "--runs", "2", "--batch-size", "100",
                "--sandbox-dir", str(sandbox_dir), "--format", "json",
            ]
        )  # fmt: skip
    text, err = capsys.readouterr()
    items = json.loads(text)["items"]
    by_status: dict[str, set[str]] = {}
    for item in items:
        by_status.setdefault(item["status"], set()).add(item["name"].split(" ")[1])
    assert by_status.get("unfinished") == {"/big"}, (by_status, err)
    assert by_status.get("passed") == {f"/small{i}" for i in range(5)}
    assert "failed" not in by_status
    small = [i for i in items if i["status"] == "passed"]
    assert all(i["runs_passed"] == 2 for i in small)  # the halves are reused in the second run
