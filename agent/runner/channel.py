"""The runner's side of the supervisor protocol: JSON lines in and out, and killing it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import IO, Any

from agent.errors import SandboxFailed


def send(stream: IO[bytes], message: dict[str, Any]) -> None:
    try:
        stream.write((json.dumps(message) + "\n").encode())
        stream.flush()
    except BrokenPipeError:
        raise SandboxFailed("the sandbox supervisor exited early") from None


def event(stream: IO[bytes], workdir: Path) -> dict[str, Any]:
    """The next event line from the supervisor; EOF means it died or the watchdog killed it."""
    line = stream.readline(1024 * 1024)
    if not line:
        tail = (workdir / "supervisor.log").read_bytes()[-400:].decode("utf-8", "replace")
        detail = f": {one_line(tail)}" if tail.strip() else ""
        raise SandboxFailed(f"the sandbox stopped before finishing (time budget or crash){detail}")
    event: dict[str, Any] = json.loads(line)
    return event


def one_line(text: str) -> str:
    text = " ".join(text.split())
    return text[-300:]


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets the supervisor kill its children's groups; SIGKILL follows if it lingers."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, None)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
    proc.wait()
