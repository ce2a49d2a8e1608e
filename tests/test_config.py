"""Settings: precedence, discovery, ${VAR}, secrets only from the environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from agent.config import load_settings, masked
from agent.errors import ConfigError


def write(folder: Path, text: str) -> Path:
    path = folder / "postwright.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_is_found_from_a_subfolder_and_paths_are_relative_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSTWRIGHT_STATE_DIR")
    write(tmp_path, 'spec = "specs/v2.yaml"\nstate_dir = "state"\n')
    (tmp_path / "a" / "b").mkdir(parents=True)
    settings = load_settings(cwd=tmp_path / "a" / "b")
    assert settings.spec == "specs/v2.yaml"
    assert settings.ref(settings.spec) == str(tmp_path / "specs" / "v2.yaml")
    assert settings.state_path == tmp_path / "state"


def test_flag_beats_environment_beats_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "seed = 1\n[sandbox]\nruns = 2\n")
    assert load_settings(cwd=tmp_path).seed == 1
    monkeypatch.setenv("POSTWRIGHT_SEED", "5")
    monkeypatch.setenv("POSTWRIGHT_SANDBOX__RUNS", "4")
    settings = load_settings(cwd=tmp_path)
    assert (settings.seed, settings.sandbox.runs) == (5, 4)
    assert load_settings(cwd=tmp_path, seed=9, spec=None).seed == 9


def test_placeholders_resolve_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, '[airflow]\nurl = "http://${AF_HOST}:8080"\nusername = "$${literal}"\n')
    monkeypatch.setenv("AF_HOST", "127.0.0.1")
    settings = load_settings(cwd=tmp_path)
    assert settings.airflow.url == "http://127.0.0.1:8080"
    assert settings.airflow.username == "${literal}"


def test_a_missing_placeholder_is_a_one_line_config_error(tmp_path: Path) -> None:
    write(tmp_path, '[airflow]\nurl = "http://${NOT_SET_ANYWHERE}"\n')
    with pytest.raises(ConfigError, match="airflow.url uses \\$\\{NOT_SET_ANYWHERE\\}"):
        load_settings(cwd=tmp_path)


def test_secrets_in_the_file_are_refused(tmp_path: Path) -> None:
    write(tmp_path, '[airflow]\npassword = "x"\n')
    with pytest.raises(ConfigError, match="POSTWRIGHT_AIRFLOW__PASSWORD"):
        load_settings(cwd=tmp_path)


def test_secrets_from_the_environment_never_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    value = "pw-" + "q7Zr" * 6
    monkeypatch.setenv("POSTWRIGHT_AIRFLOW__PASSWORD", value)
    write(tmp_path, '[airflow]\nurl = "http://127.0.0.1:1"\n')
    settings = load_settings(cwd=tmp_path)
    assert settings.airflow.password is not None
    assert settings.airflow.password.get_secret_value() == value
    assert settings.airflow.url == "http://127.0.0.1:1"
    assert value not in repr(settings) and value not in str(masked(settings))
    assert masked(settings)["airflow"]["password"] == "********"


def test_unknown_keys_and_bad_values_are_config_errors(tmp_path: Path) -> None:
    write(tmp_path, "colour = 'blue'\n")
    with pytest.raises(ConfigError, match="colour"):
        load_settings(cwd=tmp_path)
    write(tmp_path, "[sandbox]\nruns = 0\n")
    with pytest.raises(ConfigError, match="sandbox.runs"):
        load_settings(cwd=tmp_path)
    write(tmp_path, "seed = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(cwd=tmp_path)


def _secret() -> str:
    return "s" + secrets.token_hex(10)


# (file text, environment) -> what `config show` must print; every {x} is a fresh canary.
SHOWN = [
    ('[airflow]\nurl = "postgresql://svc:${DB_PASS}@db.internal/x"\n', "postgresql://***@db.internal/x"),
    ('[airflow]\nurl = "http://admin:${PLAIN}@127.0.0.1:8080/"\n', "http://***@127.0.0.1:8080/"),
    ('spec = "https://specs.example.com/api.yaml?access_token=${SPEC_TOKEN}"\n', "access_token=***"),
    ('spec = "https://specs.example.com/api.yaml?v=1&sig=${PLAIN}"\n', "v=1&sig=***"),
    ('[sandbox]\ntarget = "https://${AF_HOST}/v1?key=${PLAIN}"\n', "https://127.0.0.1/v1?key=***"),
    ('logs = ["logs/${LOG_SECRET}/run"]\n', "logs/***/run"),
    ('llm_base_url = "http://127.0.0.1:9/${API_TOKEN}"\n', "http://127.0.0.1:9/***"),
]


@pytest.mark.parametrize(("text", "expected"), SHOWN)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_config_show_masks_urls_and_secret_expansions(
    tmp_path: Path, text: str, expected: str, fmt: str
) -> None:
    env = {name: _secret() for name in ("DB_PASS", "PLAIN", "SPEC_TOKEN", "LOG_SECRET", "API_TOKEN")}
    write(tmp_path, text)
    done = subprocess.run(
        [sys.executable, "-m", "agent", "config", "show", "--format", fmt],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, **env, "AF_HOST": "127.0.0.1"},
    )
    assert done.returncode == 0, done.stderr
    shown = done.stdout + done.stderr
    assert not [name for name, value in env.items() if value in shown]
    assert expected in shown


def test_an_overriding_environment_url_is_masked_and_a_plain_expansion_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = _secret()
    write(tmp_path, '[airflow]\nurl = "http://${AF_HOST}:8080"\n')
    monkeypatch.setenv("AF_HOST", "airflow.internal")
    assert masked(load_settings(cwd=tmp_path))["airflow"]["url"] == "http://airflow.internal:8080"
    monkeypatch.setenv("POSTWRIGHT_AIRFLOW__URL", f"http://admin:{password}@airflow.internal:8080")
    settings = load_settings(cwd=tmp_path)
    assert password in (settings.airflow.url or "")  # the adapter still gets the real value
    assert masked(settings)["airflow"]["url"] == "http://***@airflow.internal:8080"
