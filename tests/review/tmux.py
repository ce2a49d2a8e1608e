"""Drives a command in a real terminal: a private tmux server, send-keys and capture-pane."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

import pytest

WIDTH, HEIGHT = 80, 24


def need_tmux() -> str:
    """tmux's path, or skip naming the set-up step that installs it."""
    found = shutil.which("tmux")
    if found is None:
        pytest.skip("tmux is not installed (make review-env installs it)")
    return found


class Pane:
    """One command in an 80×24 tmux pane on a private server (its own socket)."""

    def __init__(self, command: list[str], *, cwd: Path, env: Mapping[str, str]) -> None:
        self.tmux = need_tmux()
        self.socket = f"pw-review-{uuid.uuid4().hex[:10]}"
        # the pane keeps its last screen after the command ends, so a capture can read it
        shell = f'{shlex.join(command)}; echo "[exit $?]"; sleep 600'
        environ = {**os.environ, **env}
        self._tmux(
            "-f", "/dev/null", "new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), "-s", "r",
            "-c", str(cwd), *(a for k, v in env.items() for a in ("-e", f"{k}={v}")), shell,
            environ=environ,
        )  # fmt: skip

    def _tmux(self, *args: str, environ: Mapping[str, str] | None = None) -> str:
        done = subprocess.run(
            [self.tmux, "-L", self.socket, *args],
            capture_output=True,
            text=True,
            env=dict(environ or os.environ),
            check=True,
            timeout=30,
        )
        return done.stdout

    def keys(self, *keys: str) -> None:
        """Press keys (tmux names: Enter, Space, C-c) one after another."""
        for key in keys:
            self._tmux("send-keys", "-t", "r", key)

    def type(self, text: str) -> None:
        """Type text literally."""
        self._tmux("send-keys", "-t", "r", "-l", text)

    def screen(self, *, colours: bool = False) -> str:
        """What the pane shows now (trailing blanks cut)."""
        text = self._tmux("capture-pane", "-p", "-t", "r", *(["-e"] if colours else []))
        return "\n".join(line.rstrip() for line in text.rstrip("\n").split("\n")).rstrip("\n")

    def wait_for(self, *texts: str, timeout: float = 20.0) -> str:
        """The screen once it shows one of ``texts``; fails with the last screen."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if any(text in shown for text in texts):
                return self._settled(shown)
            if time.monotonic() > deadline:
                raise AssertionError(f"{texts!r} did not appear within {timeout} s; the screen:\n{shown}")
            time.sleep(0.05)

    def _settled(self, shown: str) -> str:
        """The screen once two captures 0.2 s apart agree (the rest of the frame has arrived)."""
        for _ in range(25):
            time.sleep(0.2)
            again = self.screen()
            if again == shown:
                return again
            shown = again
        return shown

    def close(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True, check=False)
