"""URL settings and flags that urllib cannot split: one-line errors naming the setting (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli.main import main

MALFORMED = ["http://[::1", "http://[zz]:8080", "https://h:99999", "http://[::1]x"]
SETTINGS = {
    "POSTWRIGHT_AIRFLOW__URL": "airflow.url",
    "POSTWRIGHT_LLM_BASE_URL": "llm_base_url",
    "POSTWRIGHT_SANDBOX__OAUTH2_TOKEN_URL": "sandbox.oauth2_token_url",
    "POSTWRIGHT_SANDBOX__TARGET": "sandbox.target",
    "POSTWRIGHT_BASE_URL": "base_url",
}


def cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    return int(done.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize("url", MALFORMED)
@pytest.mark.parametrize("variable", sorted(SETTINGS))
def test_malformed_url_setting_names_the_setting(
    url: str,
    variable: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, url)
    code, err = cli("config", "show", capsys=capsys)
    assert code == 2, err
    assert err.count("\n") == 1
    assert err.startswith(f"postwright: error: invalid setting {SETTINGS[variable]}:")
    assert "not a valid URL" in err


@pytest.mark.parametrize("url", [*MALFORMED, "https://[fe80::1/base"])
def test_malformed_target_flag_is_a_usage_error(
    url: str, tmp_path: Path, examples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    collection = tmp_path / "c.json"
    collection.write_text(json.dumps({"info": {"name": "c"}, "item": []}))
    spec = str(examples_dir / "specs" / "petstore-v2.yaml")
    code, err = cli("verify", str(collection), "--spec", spec, "--target", url, capsys=capsys)
    assert code == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("postwright: error: the target URL") and "not valid" in last


@pytest.mark.parametrize("url", MALFORMED)
@pytest.mark.parametrize("command", ["generate", "demo"])
def test_malformed_base_url_flag_or_setting_is_a_usage_error(
    url: str, command: str, tmp_path: Path, examples_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    if command == "generate":
        spec = str(examples_dir / "specs" / "petstore-v2.yaml")
        code, err = cli("generate", "--spec", spec, "--base-url", url, capsys=capsys)
    else:  # the demo's own postwright.toml sets base_url; the environment overrides it
        monkeypatch.setenv("POSTWRIGHT_BASE_URL", url)
        code, err = cli("demo", "--no-verify", "--workspace", str(tmp_path / "ws"), capsys=capsys)
    assert code == 2, err
    last = err.strip().splitlines()[-1]
    assert "base" in last and "not a valid URL" in last and "Traceback" not in err


@pytest.mark.parametrize("url", MALFORMED)
def test_malformed_openai_base_url_from_the_environment_is_a_config_error(
    url: str, examples_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    spec = str(examples_dir / "specs" / "petstore-v2.yaml")
    code, err = cli("generate", "--spec", spec, "--llm", "openai:gpt-4o-mini", capsys=capsys)
    assert code == 2, err
    assert err.strip().splitlines()[-1].startswith("postwright: error: the model endpoint")
