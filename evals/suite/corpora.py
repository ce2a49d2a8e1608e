"""Where the evals' external corpora are: $POSTWRIGHT_CORPORA, else ../shared/corpora beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def corpora_dir() -> Path:
    """The corpora folder (it may be absent; callers say so)."""
    env = os.environ.get("POSTWRIGHT_CORPORA")
    return Path(env) if env else ROOT.parent / "shared" / "corpora"


class CorpusAbsent(RuntimeError):
    """A corpus an eval needs is not there; the message names it."""


def corpus(name: str) -> Path:
    """The path of one corpus, or CorpusAbsent naming it and where it was looked for."""
    path = corpora_dir() / name
    if not path.exists():
        raise CorpusAbsent(f"corpus {name} absent (looked in $POSTWRIGHT_CORPORA or ../shared/corpora)")
    return path
