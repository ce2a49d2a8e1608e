"""No silent outcomes: a missing --config, 0 tests kept and an empty collection each say so and
exit non-zero; every dropped test names its operation and the failing check."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from agent.cli.main import main
from agent.errors import EXIT_FINDINGS, EXIT_USAGE

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "agent" / "examples" / "demo" / "specs" / "petstore-v2.yaml"
SANDBOX = ROOT / "sandbox"


def _exit(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    return int(done.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["diff", str(SPEC), str(SPEC)],
        ["generate", "--spec", str(SPEC)],
        ["validate", "c.json"],
        ["verify", "c.json", "--spec", str(SPEC)],
        ["run", "--spec", str(SPEC), "--no-verify", "--no-publish"],
        ["redact", str(SPEC)],
        ["config", "show"],
        ["doctor"],
    ],
    ids=lambda c: c[0] if c[0] != "config" else "config-show",
)
@pytest.mark.parametrize("name", ["nope.toml", "missing/dir/postwright.toml", "."])
def test_a_config_file_that_is_not_there_is_an_error_on_every_command(
    command: list[str], name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _exit(["--state-dir", str(tmp_path / "st"), "--config", name, *command], capsys)
    assert code == EXIT_USAGE
    assert f"config file {name} does not exist" in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_config_named_by_the_environment_is_an_error_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTWRIGHT_CONFIG", str(tmp_path / "gone.toml"))
    code, err = _exit(["diff", str(SPEC), str(SPEC)], capsys)
    assert code == EXIT_USAGE and "gone.toml does not exist" in err


def _spec(parameter: dict[str, Any]) -> dict[str, Any]:
    """One operation whose only parameter asks for a credential as plain data: every test of it
    would carry a literal credential, so the gate drops them all."""
    ok = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Z", "version": "1"},
        "paths": {
            "/things/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                        {**parameter, "required": True, "schema": {"type": "string"}},
                    ],
                    "responses": {"200": ok},
                }
            }
        },
    }


ALL_DROPPED = {
    "header": {"name": "X-Auth-Token", "in": "header"},
    "query": {"name": "api_key", "in": "query"},
    "header-password": {"name": "X-Password", "in": "header"},
}


@pytest.mark.parametrize("variant", sorted(ALL_DROPPED))
@pytest.mark.parametrize("command", ["generate", "run"])
def test_zero_tests_kept_exits_1_with_the_top_reasons_and_each_drop_names_its_operation(
    variant: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_spec(ALL_DROPPED[variant])))
    out = tmp_path / "tests.json"
    args = ["--state-dir", str(tmp_path / "st"), command, "--spec", str(spec)]
    args += ["-o", str(out)] if command == "generate" else ["--no-verify", "--no-publish"]
    code, err = _exit(args, capsys)
    assert code == EXIT_FINDINGS, err
    last = err.strip().splitlines()[-1]
    assert (
        last.startswith("postwright: 0 tests kept of ")
        and "top reasons: request-literal-credential ×" in last
    )
    dropped = [line for line in err.splitlines() if line.strip().startswith("! pw-")]
    # each names the operation and the check that failed
    assert dropped and all(re.search(r" GET /things/\{id\}: [a-z0-9-]+: \S", line) for line in dropped)
    assert any(": request-literal-credential: " in line for line in dropped)
    if command == "generate":
        assert json.loads(out.read_text())["item"] == []  # the empty collection is still written


def test_some_tests_kept_still_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _exit(
        [
            "--state-dir",
            str(tmp_path / "st"),
            "generate",
            "--spec",
            str(SPEC),
            "-o",
            str(tmp_path / "t.json"),
        ],
        capsys,
    )
    assert code == 0, err
    assert "0 tests kept" not in err


@pytest.mark.parametrize(
    "collection",
    [
        {"item": []},
        {"item": [{"name": "folder", "item": []}]},
        {"item": [{"name": "a", "item": [{"name": "b", "item": []}]}]},
    ],
    ids=["no-items", "empty-folder", "nested-empty-folders"],
)
def test_verifying_an_empty_collection_says_so_at_once(
    collection: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"info": {"name": "c", "schema": "v2.1"}, **collection}))
    if not (SANDBOX / "node_modules" / "newman").is_dir():
        pytest.skip("newman is not installed in sandbox/ (run `make sandbox`)")
    # the answer comes before the mock starts (a run of nothing took 20 s to say "0 passed")
    code, err = _exit(["verify", str(path), "--spec", str(SPEC), "--sandbox-dir", str(SANDBOX)], capsys)
    assert code == EXIT_FINDINGS
    assert err.strip().splitlines() == [
        f"postwright: {path}: the collection has no requests, so nothing was verified"
    ]


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([("schema-mismatch", "no")], ": schema-mismatch: no"),
        (
            [
                ("sandbox-failed", "failed in the sandbox: failed 2 of 2 runs"),
                ("sandbox-failure", "status is 200: expected response to have status code 200 but got 401"),
            ],
            ": sandbox-failed: failed in the sandbox: failed 2 of 2 runs; status is 200: expected response"
            " to have status code 200 but got 401",
        ),
        ([("sandbox-flaky", "flaky in the sandbox: failed 1 of 3 runs")], ": sandbox-flaky: flaky"),
    ],
    ids=["check", "verify-with-assertion", "verify-without-assertion"],
)
def test_a_dropped_proposal_names_its_operation_and_the_failing_assertion(
    findings: list[tuple[str, str]], expected: str
) -> None:
    from agent.models import Finding
    from agent.pipeline import _dropped
    from tests.store.store_factories import make_proposal

    proposal = make_proposal(7).model_copy(
        update={"findings": [Finding(severity="error", code=c, message=m) for c, m in findings]}
    )
    message = _dropped("verify", proposal).finding.message
    assert message.startswith(f"{proposal.id} GET /pets/7{expected}")
