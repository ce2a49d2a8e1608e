"""[target]: which safety classes and destructive operations may run against a real target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.config import load_settings
from agent.errors import ConfigError


def write(folder: Path, text: str) -> None:
    (folder / "postwright.toml").write_text(text, encoding="utf-8")


def test_by_default_only_reads_run_and_no_destructive_operation_is_listed(tmp_path: Path) -> None:
    write(tmp_path, "")
    settings = load_settings(cwd=tmp_path)
    assert settings.target.allow == ["read"]
    assert settings.target.allow_operations == []


@pytest.mark.parametrize(
    ("allow", "expected"),
    [
        ('["read", "create", "write"]', ["read", "create", "write"]),
        ('["read", "read", "destructive"]', ["read", "destructive"]),
        ("[]", []),
    ],
)
def test_allowed_classes_are_read_from_the_file(tmp_path: Path, allow: str, expected: list[str]) -> None:
    write(tmp_path, f'[target]\nallow = {allow}\nallow_operations = ["logout", "DELETE /sessions/{{id}}"]\n')
    settings = load_settings(cwd=tmp_path)
    assert settings.target.allow == expected
    assert settings.target.allow_operations == ["logout", "DELETE /sessions/{id}"]


@pytest.mark.parametrize("bad", ['["reed"]', '["READ"]', '["read", "delete"]', '["all"]', '"read"'])
def test_an_unknown_class_is_a_config_error(tmp_path: Path, bad: str) -> None:
    write(tmp_path, f"[target]\nallow = {bad}\n")
    with pytest.raises(ConfigError, match="target.allow"):
        load_settings(cwd=tmp_path)


def test_the_environment_sets_the_allowed_classes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "")
    monkeypatch.setenv("POSTWRIGHT_TARGET__ALLOW", '["read","write"]')
    assert load_settings(cwd=tmp_path).target.allow == ["read", "write"]


def test_config_show_lists_the_target_section(tmp_path: Path) -> None:
    write(tmp_path, '[target]\nallow = ["read", "create"]\nallow_operations = ["logout"]\n')
    done = subprocess.run(
        [sys.executable, "-m", "agent", "config", "show"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    section = done.stdout.split("[target]\n", 1)[1]
    assert 'allow = ["read", "create"]' in section
    assert 'allow_operations = ["logout"]' in section
