"""``postwright run`` of a workspace as a user runs it, for the publishing tests' nights."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def postwright_run(
    root: Path, env: Mapping[str, str], *, drop: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run ``root``'s config with its own state dir; environment variables starting with ``drop``
    are left out (a token the test gives only by another name)."""
    base = {k: v for k, v in os.environ.items() if not (drop and k.startswith(drop))}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "--config",
            str(root / "postwright.toml"),
            "--state-dir",
            str(root / ".pw"),
            "run",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**base, "PYTHONPATH": str(ROOT), **env},
        timeout=600,
        check=False,
    )
