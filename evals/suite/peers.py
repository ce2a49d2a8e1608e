"""The peers the evals compare against, pinned and installed by the evals themselves when missing.

Portman from evals/portman's npm lock; detect-secrets from PyPI at one pinned version, in its own
venv in the evals' cache (``$XDG_CACHE_HOME/postwright-evals/peers``, beside the real servers'
venvs: its dependencies never meet postwright's, and no installed package lands in the source
tree). ``DETECT_SECRETS`` names another detect-secrets to run instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from evals.realspecs.fetch import cache_dir

DETECT_SECRETS_PIN = "detect-secrets==1.5.0"
PEERS = cache_dir() / "peers"
DETECT_SECRETS_VENV = PEERS / "detect-secrets"
DETECT_SECRETS_BIN = DETECT_SECRETS_VENV / "bin" / "detect-secrets"


def _quiet(argv: list[str]) -> None:
    """Run one install step; its own output only when it fails."""
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"installing a peer failed: {' '.join(argv[:4])} ...: {tail[0]}")


def ensure_portman() -> Path:
    """Portman's pinned CLI, installed from evals/portman's lock (npm ci) when missing."""
    from evals.postman_stats import PORTMAN

    if not PORTMAN.exists():
        prefix = str(PORTMAN.parents[2])
        _quiet(["npm", "ci", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error"])
    return PORTMAN


def ensure_detect_secrets() -> str:
    """The detect-secrets command: ``$DETECT_SECRETS``, else the pinned one (installed when missing)."""
    given = os.environ.get("DETECT_SECRETS")
    if given:
        return given
    venv = DETECT_SECRETS_VENV
    if not DETECT_SECRETS_BIN.exists():
        print(f"[evals] installing {DETECT_SECRETS_PIN} into {venv} ...", file=sys.stderr)
        _quiet([sys.executable, "-m", "venv", "--clear", str(venv)])
        pip = str(venv / "bin" / "pip")
        _quiet([pip, "install", "--quiet", "--disable-pip-version-check", DETECT_SECRETS_PIN])
    return str(DETECT_SECRETS_BIN)
