"""Which old API a run compares against: [target] base_url, else a Prism mock of the base spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import wiring
from agent.config import Settings, load_settings
from agent.runner.newman import NewmanRunner


def _settings(tmp_path: Path, text: str) -> Settings:
    (tmp_path / "postwright.toml").write_text('spec = "new.json"\n' + text)
    return load_settings(config=tmp_path / "postwright.toml")


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ('base = "old.json"\n[target]\nbase_url = "http://127.0.0.1:8001"\n', "http://127.0.0.1:8001"),
        (
            'base = "old.json"\n[sandbox]\ntarget = "http://127.0.0.1:8002"\n',
            None,
        ),  # the new API's target only
        ('base = "old.json"\n', None),
    ],
)
def test_the_old_api_is_the_base_url_else_a_mock_of_the_base_spec(
    tmp_path: Path, sandbox_dir: Path, text: str, target: str | None
) -> None:
    runner = wiring.base_runner(_settings(tmp_path, text))
    assert isinstance(runner, NewmanRunner) and runner.target == target


@pytest.mark.parametrize(
    "text",
    ["", '[target]\nbase_url = "http://127.0.0.1:8001"\n', 'base = "old.json"\n[sandbox]\nenabled = false\n'],
)
def test_no_base_spec_or_no_sandbox_means_no_old_api(tmp_path: Path, text: str) -> None:
    assert wiring.base_runner(_settings(tmp_path, text)) is None


def test_a_base_url_that_is_not_a_url_is_one_line(tmp_path: Path) -> None:
    from agent.errors import ConfigError

    with pytest.raises(ConfigError, match="base_url"):
        _settings(tmp_path, '[target]\nbase_url = "http://[::1:80"\n')
