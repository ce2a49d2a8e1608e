"""`postwright verify`: arguments, output formats, exit codes, the missing-sandbox message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli.main import main
from tests.runner.runner_helpers import collection, item

SPEC = str(Path(__file__).resolve().parents[2] / "agent" / "examples" / "demo" / "specs" / "petstore-v2.yaml")


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _write(tmp_path: Path, *items: dict) -> Path:
    path = tmp_path / "c.postman_collection.json"
    path.write_text(json.dumps(collection(*items)))
    return path


def test_missing_sandbox_names_the_install_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    coll = _write(tmp_path, item("pw-a", "{{baseUrl}}/pets/42", "pm.test('x', () => {});"))
    code, _, err = _run(
        ["verify", str(coll), "--spec", SPEC, "--sandbox-dir", str(tmp_path / "nowhere")], capsys
    )
    assert code == 2
    assert err.count("\n") == 1 and "postwright sandbox install" in err


def test_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    coll = _write(tmp_path, item("pw-a", "{{baseUrl}}/x", "pm.test('x', () => {});"))
    assert _run(["verify", str(coll)], capsys)[0] == 2
    assert _run(["verify", str(coll), "--spec", SPEC, "--format", "xml"], capsys)[0] == 2
    (tmp_path / "junk.json").write_text("{not json")
    code, _, err = _run(["verify", str(tmp_path / "junk.json"), "--spec", SPEC], capsys)
    assert code == 2 and "not JSON" in err


@pytest.mark.sandbox
def test_verify_against_the_mock(
    sandbox_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    coll = _write(
        tmp_path,
        item(
            "pw-good",
            "{{baseUrl}}/pets/42",
            "pm.test('200', () => pm.response.to.have.status(200));",
            auth=True,
        ),
        item(
            "pw-bad",
            "{{baseUrl}}/pets/42",
            "pm.test('201', () => pm.response.to.have.status(201));",
            auth=True,
        ),
    )
    args = ["verify", str(coll), "--spec", SPEC, "--runs", "2", "--sandbox-dir", str(sandbox_dir)]
    code, out, _ = _run([*args, "--format", "json"], capsys)
    assert code == 1
    data = json.loads(out)
    assert {i["id"]: i["status"] for i in data["items"]} == {"pw-good": "passed", "pw-bad": "failed"}
    assert len(data["runs"]) == 2 and data["mock_seconds"] > 0
    code, out, _ = _run([*args, "--runs", "1"], capsys)
    assert code == 1
    assert "PASS  pw-good (1/1)" in out and "FAIL  pw-bad (0/1)" in out
    assert out.rstrip().endswith("1 passed, 1 failed, 0 flaky")


def _hostile(sink_port: int) -> list[dict]:
    """Items whose scripts point the next request at another port, built as a capable attacker would."""
    host = "'http:/' + '/127.0.0.1:" + str(sink_port) + "'"
    return [
        item("pw-a", "{{baseUrl}}/pets/42", f"pm.collectionVariables.set('baseUrl', {host});", auth=True),
        item("pw-b", "{{baseUrl}}/pets/42", f"pm.sendRequest({host} + '/t', () => {{}});", auth=True),
        item(
            "pw-c", "{{baseUrl}}/pets/42", "pm.test('ok', () => pm.response.to.have.status(200));", auth=True
        ),
    ]


@pytest.mark.sandbox
def test_without_a_namespace_verify_refuses_scripts_outside_the_policy(
    sandbox_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    serve,
) -> None:
    sink = serve({"/t": lambda h: (200, {})})
    coll = _write(tmp_path, *_hostile(sink.port))
    args = ["verify", str(coll), "--spec", SPEC, "--isolate", "none", "--sandbox-dir", str(sandbox_dir)]
    code, out, err = _run(args, capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "script-protected-variable" in err and "namespace" in err
    assert sink.calls == {}


@pytest.mark.sandbox
def test_inside_a_namespace_verify_warns_and_still_isolates(
    sandbox_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    serve,
) -> None:
    from agent.runner.isolation import netns_available

    if not netns_available():
        pytest.skip("unshare --net is not permitted here")
    sink = serve({"/t": lambda h: (200, {}), "/pets/42": lambda h: (200, {})})
    coll = _write(tmp_path, *_hostile(sink.port))
    args = ["verify", str(coll), "--spec", SPEC, "--isolate", "netns", "--sandbox-dir", str(sandbox_dir)]
    code, out, _ = _run([*args, "--format", "json"], capsys)
    data = json.loads(out)
    codes = {n["code"] for n in data["notices"]}
    assert codes == {"script-protected-variable", "script-send-request"}
    assert all(n["severity"] == "warning" for n in data["notices"])
    assert sink.calls == {}  # nothing left the namespace
