"""The one error handler: exit codes and one-line messages, tracebacks only with --debug."""

from __future__ import annotations

import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli.errors import run_guarded
from agent.errors import BoundaryViolation, ConfigError, SandboxFailed


def postwright(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


def test_help_and_version_exit_zero() -> None:
    assert postwright("--help").returncode == 0
    done = postwright("--version")
    assert done.returncode == 0 and done.stdout.startswith("postwright ")


def test_unknown_command_is_a_usage_error() -> None:
    done = postwright("no-such-command")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_config_error_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "postwright.toml").write_text("seed = [\n")
    done = postwright("config", "show", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("postwright: error:")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "postwright.toml").write_text("seed = [\n")
    done = postwright("--debug", "config", "show", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" in done.stderr


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ConfigError("bad"), 2),
        (BoundaryViolation("leak"), 1),
        (SandboxFailed("newman died"), 3),
        (KeyboardInterrupt(), 130),
    ],
)
def test_exit_codes_by_who_must_act(
    exc: BaseException, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom() -> None:
        raise exc

    assert run_guarded(boom, debug=False) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_an_unexpected_exception_is_internal_and_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    def boom() -> None:
        raise ValueError("something\nbroke")

    assert run_guarded(boom, debug=False) == 3
    err = capsys.readouterr().err
    assert (
        err
        == "postwright: internal error: ValueError: something broke (run with --debug for the traceback)\n"
    )


def test_error_messages_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    secret = "Zq" + "8vT3" * 5 + "pW"

    def boom() -> None:
        raise ConfigError(f"cannot reach https://svc:{secret}@airflow.internal/api")

    assert run_guarded(boom, debug=False) == 2
    err = capsys.readouterr().err
    assert secret not in err and "https://***@airflow.internal/api" in err  # agent.urls masks userinfo


def test_debug_traceback_masks_url_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    secret = "".join(secrets.choice(string.ascii_letters) for _ in range(20))

    def boom() -> None:
        raise ConfigError(f"cannot reach https://svc:{secret}@airflow.internal/api?token={secret}")

    assert run_guarded(boom, debug=True) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and secret not in err and "https://***@airflow.internal/api?token=***" in err


@pytest.mark.parametrize("glue", ["run_id=manual__{t}", "task_id=push_{t}", "{t}"])
def test_a_token_glued_into_a_quoted_log_path_is_redacted(
    glue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "sk_live_" + secrets.token_hex(12)
    missing = tmp_path / "logs" / "dag_id=d" / glue.format(t=token) / "attempt=1.log"
    done = postwright("generate", "--spec", "nowhere.yaml", "--logs", str(missing), cwd=tmp_path)
    assert done.returncode == 2 and "postwright: error:" in done.stderr
    assert token not in done.stderr
