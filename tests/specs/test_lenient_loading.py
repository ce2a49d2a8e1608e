"""Specs that parse but fail OpenAPI validation are loaded with warnings (as oasdiff does) by every
command; ``--strict`` (or ``strict = true``) refuses them and ``--no-validate`` skips the check."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from agent import wiring
from agent.cli.main import main
from agent.errors import InputError
from agent.runner.report import ItemOutcome, VerifyReport
from agent.specs.load import load_spec

_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1"},
    "paths": {
        "/pets/{id}": {
            "get": {
                "operationId": "getPet",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": _OK,
            }
        },
        "/pets": {"post": {"operationId": "addPet", "responses": {"201": {"description": "made"}}}},
    },
}


def _undeclared(doc: dict[str, Any]) -> None:
    doc["paths"]["/pets/{id}"]["get"].pop("parameters")


def _no_responses(doc: dict[str, Any]) -> None:
    doc["paths"]["/pets"]["post"].pop("responses")


def _null_type(doc: dict[str, Any]) -> None:
    doc["paths"]["/pets/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "object",
        "properties": {"tag": {"type": "null"}},
    }


def _bom_and_undeclared(doc: dict[str, Any]) -> None:
    _undeclared(doc)
    doc["x-bom"] = True  # written with a byte-order mark in front (see _write)


BROKEN = {
    "undeclared path parameter": (_undeclared, "$.paths['/pets/{id}'].get"),
    "missing responses": (_no_responses, "$.paths['/pets'].post"),
    "type null in 3.0": (_null_type, "$.paths['/pets/{id}'].get.responses"),
    "BOM at the start of JSON": (_bom_and_undeclared, "$.paths['/pets/{id}'].get"),
}


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp_path / f"{name}.json"
    bom = "\ufeff" if doc.pop("x-bom", False) else ""
    path.write_text(bom + json.dumps(doc), encoding="utf-8")
    return path


def _broken(tmp_path: Path, case: str) -> Path:
    doc = copy.deepcopy(BASE)
    BROKEN[case][0](doc)
    return _write(tmp_path, "broken", doc)


def _exit(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


@pytest.mark.parametrize("case", BROKEN)
def test_loaded_with_problems_unless_strict(case: str, tmp_path: Path) -> None:
    path = _broken(tmp_path, case)
    spec = load_spec(str(path))
    assert spec.problems and spec.problems[0].startswith(BROKEN[case][1])
    assert "/pets/{id}" in spec.document["paths"]
    with pytest.raises(InputError, match="strict"):
        load_spec(str(path), strict=True)
    assert load_spec(str(path), validate=False).problems == ()


def test_problems_never_quote_values(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    marker = "v" + "alue-" + "9f3c" * 4
    doc["paths"]["/pets"]["post"]["responses"] = {"201": {"description": ["x"], "headers": marker}}
    doc["info"]["version"] = {"n": marker}
    spec = load_spec(str(_write(tmp_path, "quoted", doc)))
    assert spec.problems
    assert marker not in " ".join(spec.problems)


@pytest.mark.parametrize("case", BROKEN)
def test_diff_warns_and_compares(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _write(tmp_path, "base", copy.deepcopy(BASE))
    broken = _broken(tmp_path, case)
    code, out, err = _exit(["diff", str(base), str(broken), "--format", "json"], capsys)
    assert code == 0, err
    json.loads(out)
    assert "validation problem" in err and BROKEN[case][1] in err
    code, _, err = _exit(["diff", str(base), str(broken), "--strict"], capsys)
    assert code == 2 and "strict" in err
    code, _, err = _exit(["diff", str(base), str(broken), "--no-validate"], capsys)
    assert code == 0 and "validation problem" not in err
    code, _, err = _exit(["diff", str(base), str(broken), "--strict", "--no-validate"], capsys)
    assert code == 2 and "--no-validate" in err


@pytest.mark.parametrize("case", BROKEN)
def test_config_strict_refuses(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = _write(tmp_path, "base", copy.deepcopy(BASE))
    broken = _broken(tmp_path, case)
    (tmp_path / "postwright.toml").write_text("strict = true\n")
    code, _, err = _exit(["diff", str(base), str(broken)], capsys)
    assert code == 2 and "strict" in err
    code, _, err = _exit(["diff", str(base), str(broken), "--no-strict"], capsys)
    assert code == 0 and "validation problem" in err


class _Runner:
    """Stands in for newman: every item passed; records the spec it was given."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    def run(self, collection: dict[str, Any], spec: Any, runs: int) -> VerifyReport:
        self.seen.append(spec)
        ids = [str(item.get("id")) for item in collection["item"]]
        return VerifyReport(items={i: ItemOutcome(i, i, runs_passed=runs, runs_failed=0) for i in ids})


@pytest.mark.parametrize("case", BROKEN)
def test_generate_validate_verify_run_load_it(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    state = ["--state-dir", str(tmp_path / "state")]
    base = _write(tmp_path, "base", copy.deepcopy(BASE))
    broken = _broken(tmp_path, case)
    out = tmp_path / "c.json"
    gen = [*state, "generate", "--base", str(base), "--spec", str(broken), "-o", str(out), "--llm", "none"]
    code, _, err = _exit(gen, capsys)
    assert code in (0, 1) and "validation problem" in err, err  # 1: nothing kept, said so
    assert json.loads(out.read_text())["info"]
    code, _, err = _exit([*gen, "--strict"], capsys)
    assert code == 2 and "strict" in err

    collection = {"info": {"name": "c", "schema": "v2.1"}, "item": []}
    coll = tmp_path / "v.json"
    coll.write_text(json.dumps(collection))
    code, _, err = _exit(["validate", str(coll), "--spec", str(broken)], capsys)
    assert code in (0, 1) and "validation problem" in err, err  # 1: the collection's own findings
    code, _, err = _exit(["validate", str(coll), "--spec", str(broken), "--strict"], capsys)
    assert code == 2

    seen: list[Any] = []
    monkeypatch.setattr(wiring, "newman", lambda settings, **kw: _Runner(seen))
    item = {"id": "pw-1", "name": "GET", "request": {"method": "GET", "url": {"raw": "{{baseUrl}}/pets/1"}}}
    coll.write_text(json.dumps({**collection, "item": [item]}))
    code, _, err = _exit(["verify", str(coll), "--spec", str(broken), "--runs", "1"], capsys)
    assert code == 0 and "validation problem" in err, err
    assert seen and seen[0].problems
    code, _, err = _exit(["verify", str(coll), "--spec", str(broken), "--strict"], capsys)
    assert code == 2

    run = [*state, "run", "--base", str(base), "--spec", str(broken), "--no-verify", "--no-publish"]
    code, _, err = _exit([*run, "--llm", "none"], capsys)
    assert code in (0, 1) and "validation problem" in err, err
    code, _, err = _exit([*run, "--strict"], capsys)
    assert code == 2


def test_meta_schema_and_semantic_problems_are_listed_together(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    _undeclared(doc)
    _no_responses(doc)
    _null_type(doc)
    spec = load_spec(str(_write(tmp_path, "all", doc)))
    joined = " | ".join(spec.problems)
    assert "path parameter 'id' is not declared" in joined
    assert "$.paths['/pets'].post" in joined and "responses" in joined
    assert len(spec.problems) >= 3
