"""The user's values: [variables] (names only, never credentials) and --environment files (read
at run time, masked where they are secret, a one-line error when missing or malformed)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from agent.cli.main import main
from agent.config import load_settings
from agent.errors import ConfigError, InputError
from agent.runner.environment import load_environment
from agent.runner.report import ItemOutcome, apply_run, skip_reason
from tests.runner.runner_helpers import collection, item

SPEC = str(Path(__file__).resolve().parents[2] / "agent" / "examples" / "demo" / "specs" / "petstore-v2.yaml")


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "postwright.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["thing_id", "user_name", "limit", "Region2", "key", "item_key"])
def test_plain_variables_load(tmp_path: Path, name: str) -> None:
    settings = load_settings(config=_toml(tmp_path, f'[variables]\n{name} = "v-1"\n'), cwd=tmp_path)
    assert settings.variables == {name: "v-1"}


@pytest.mark.parametrize(
    "name", ["api_key", "password", "accessToken", "session_token", "client_secret", "auth"]
)
def test_a_credential_named_variable_is_refused_in_one_line(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(config=_toml(tmp_path, f'[variables]\n{name} = "x"\n'), cwd=tmp_path)
    message = str(err.value)
    assert "\n" not in message and "credential" in message and "token_env" in message


@pytest.mark.parametrize("name", ["baseUrl", "pwFound_x", "1abc", "a-b"])
def test_our_own_or_malformed_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError):
        load_settings(config=_toml(tmp_path, f'[variables]\n"{name}" = "x"\n'), cwd=tmp_path)


def _env(tmp_path: Path, values: list[dict[str, object]]) -> Path:
    path = tmp_path / "staging.postman_environment.json"
    path.write_text(json.dumps({"name": "staging", "values": values}))
    return path


def test_an_environment_file_gives_enabled_values_and_marks_secrets(tmp_path: Path) -> None:
    token = "tk" + secrets.token_hex(12)
    hidden = "hv" + secrets.token_hex(12)
    path = _env(
        tmp_path,
        [
            {"key": "thing_id", "value": "t-1", "enabled": True},
            {"key": "limit", "value": 5},
            {"key": "off", "value": "x", "enabled": False},
            {"key": "accessToken", "value": token},
            {"key": "region", "value": hidden, "type": "secret"},
        ],
    )
    env = load_environment(path)
    assert env.values == {"thing_id": "t-1", "limit": "5", "accessToken": token, "region": hidden}
    assert env.secrets == {token, hidden}
    assert token not in repr(env) and hidden not in repr(env)


@pytest.mark.parametrize(
    "content", ["{not json", "[]", '{"values": 3}', '{"values": [{"value": "no key"}]}', '{"name": "x"}']
)
def test_a_malformed_environment_is_one_line(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        load_environment(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


@pytest.mark.parametrize("command", ["verify", "generate", "run"])
@pytest.mark.parametrize("kind", ["missing", "malformed"])
def test_the_environment_flag_fails_in_one_line_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, kind: str
) -> None:
    env = tmp_path / "env.json"
    if kind == "malformed":
        env.write_text('{"values": "nope"}')
    args = [command, "--spec", SPEC, "--environment", str(env)]
    if command == "verify":
        coll = tmp_path / "c.json"
        coll.write_text(json.dumps(collection(item("pw-a", "{{baseUrl}}/pets", "pm.test('x', () => {});"))))
        args.insert(1, str(coll))
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    _, err = capsys.readouterr()
    assert (
        exit_info.value.code == 2 and err.count("\n") == 1 and "environment" in err and "Traceback" not in err
    )


def _report(executed: list[str]) -> dict[str, object]:
    return {
        "run": {
            "executions": [
                {"id": f"e{i}", "item": {"id": x}, "assertions": [{"assertion": "ok"}]}
                for i, x in enumerate(executed)
            ],
            "failures": [],
        }
    }


def test_a_guarded_item_that_did_not_run_is_skipped_with_its_reason() -> None:
    items = {i: ItemOutcome(i, i) for i in ("pw-ran", "pw-guarded", "pw-lost")}
    apply_run(
        _report(["pw-ran"]), items, str, guards={"pw-guarded": ["thing_id", "part_id"], "pw-ran": ["x"]}
    )
    assert items["pw-ran"].status == "passed"
    assert items["pw-guarded"].status == "skipped"
    assert items["pw-guarded"].reasons == [skip_reason(["thing_id", "part_id"])]
    assert "thing_id, part_id" in items["pw-guarded"].reasons[0]
    assert items["pw-lost"].status == "failed"  # no guard: not running is a failure, as before


def test_skipped_is_neither_passed_nor_an_error() -> None:
    from agent.runner.report import VerifyReport

    outcome = ItemOutcome("pw-s", "s")
    outcome.skip(skip_reason(["gadget_id"]))
    result = VerifyReport(items={"pw-s": outcome}).result()
    assert "pw-s" not in result.passed
    assert [f.severity for f in result.findings["pw-s"]] == ["warning"]


@pytest.mark.parametrize("value", ["t-9", "42"])
def test_toml_variables_reach_the_generated_collection_and_the_environment_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    from tests.runner.test_runner_discovery import things_spec

    spec = tmp_path / "things.json"
    spec.write_text(json.dumps(things_spec().document))
    config = _toml(tmp_path, f'spec = "things.json"\n[variables]\nthing_id = "{value}"\n')
    token = "ev" + secrets.token_hex(12)
    env = _env(tmp_path, [{"key": "gadget_id", "value": "g-2"}, {"key": "accessToken", "value": token}])
    out = tmp_path / "c.json"
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(config), "generate", "--environment", str(env), "-o", str(out)])
    capsys.readouterr()
    assert exit_info.value.code in (0, None)
    text = out.read_text()
    values = {v["key"]: v["value"] for v in json.loads(text)["variable"]}
    assert values["thing_id"] == value and values["pwFound_thing_id"] == "1"
    assert token not in text and "g-2" not in text  # the environment is for run time only
