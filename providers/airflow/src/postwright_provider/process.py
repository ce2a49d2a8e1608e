"""Run postwright in its own environment as a child process; every line it prints is scrubbed first.

Pure (no Airflow import). The child gets a clean environment: the few variables a process needs,
the ones its Connections give, nothing of Airflow's (the task's environment holds Airflow's own
secrets, e.g. its JWT key).
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from postwright_provider.connections import scrub

KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")


@dataclass(frozen=True)
class Finished:
    """How the child ended: its exit code, its stdout, its last stderr line (scrubbed)."""

    code: int
    stdout: str
    last_line: str


def executable(venv: str | None) -> Path:
    """``<venv>/bin/postwright``; a one-line error when the venv is not set or has none."""
    if not venv:
        raise FileNotFoundError("no postwright venv: set extra 'venv' on the postwright Connection or venv=")
    path = Path(venv) / "bin" / "postwright"
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"{path} is not an executable: install postwright into that venv")
    return path


def child_env(extra: Mapping[str, str], passthrough: Sequence[str] = ()) -> dict[str, str]:
    """The child's whole environment: a few process basics, ``passthrough`` names, ``extra``."""
    names = (*KEEP, *passthrough)
    env = {name: os.environ[name] for name in names if name in os.environ}
    env.update(extra)
    return env


class Child:
    """One postwright process; ``stop()`` (the task's on_kill) ends it."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        secrets: list[str],
        log: Callable[[str], None],
        *,
        log_stdout: bool,
        cwd: str | None = None,
    ) -> Finished:
        """Run to the end; stderr (and stdout when ``log_stdout``) goes to ``log`` line by line, scrubbed."""
        self._proc = proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        last: list[str] = []

        def pump_stderr() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                shown = scrub(line.rstrip("\n"), secrets)
                if shown.strip():
                    last[:] = [shown.strip()]
                    log(shown)

        reader = threading.Thread(target=pump_stderr, daemon=True)
        reader.start()
        assert proc.stdout is not None
        kept: list[str] = []
        for line in proc.stdout:
            kept.append(line)
            if log_stdout:
                log(scrub(line.rstrip("\n"), secrets))
        code = proc.wait()
        reader.join(timeout=10)
        return Finished(code, scrub("".join(kept), secrets), last[0] if last else "")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
