"""postwright's child process: a clean environment (none of Airflow's variables), every printed line
scrubbed of the secrets before it is logged, the last stderr line kept for a one-line failure."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest

from tests.airflow_provider.provider_modules import load

process = load("process")

CHILD = """
import os, sys
print("out " + os.environ["PW_TARGET_TOKEN"])
print("env " + ",".join(sorted(k for k in os.environ if k.startswith(("AIRFLOW", "PW_", "KEEP_")))))
print("err Bearer " + os.environ["PW_TARGET_TOKEN"], file=sys.stderr)
print("postwright: the last line", file=sys.stderr)
sys.exit(3)
"""


@pytest.mark.parametrize("log_stdout", [True, False])
def test_the_child_sees_only_its_variables_and_every_line_is_scrubbed(
    log_stdout: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "tk" + secrets.token_urlsafe(24)
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "k" + secrets.token_hex(16))
    monkeypatch.setenv("KEEP_ME", "1")
    env = process.child_env({"PW_TARGET_TOKEN": token}, ["KEEP_ME"])
    logged: list[str] = []
    done = process.Child().run(
        [sys.executable, "-c", CHILD], env, [token], logged.append, log_stdout=log_stdout
    )
    assert done.code == 3 and done.last_line == "postwright: the last line"
    assert "env KEEP_ME,PW_TARGET_TOKEN" in done.stdout  # nothing of Airflow's
    assert "out ***" in done.stdout
    assert ("out ***" in logged) is log_stdout
    assert "err Bearer ***" in logged
    assert all(token not in line for line in [*logged, done.stdout])


def test_a_venv_without_postwright_is_one_line(tmp_path: Path) -> None:
    for venv, expected in [(None, "no postwright venv"), (str(tmp_path), "is not an executable")]:
        with pytest.raises(FileNotFoundError) as info:
            process.executable(venv)
        assert expected in str(info.value) and len(str(info.value).splitlines()) == 1
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "postwright").write_text("#!/bin/sh\n")
    (tmp_path / "bin" / "postwright").chmod(0o755)
    assert process.executable(str(tmp_path)) == tmp_path / "bin" / "postwright"
