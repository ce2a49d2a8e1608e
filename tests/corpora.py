"""The labelled corpora beside the checkout (``../shared/corpora``) and the skip used when absent.

``POSTWRIGHT_CORPORA`` points elsewhere (an empty folder hides them: the suite must still pass
on a clone that stands alone).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

CORPORA = Path(
    os.environ.get("POSTWRIGHT_CORPORA") or Path(__file__).resolve().parents[2] / "shared" / "corpora"
)

F = TypeVar("F", bound=Callable[..., object])


def needs_corpora(*names: str) -> Callable[[F], F]:
    """Skip the test, saying which files are missing, unless every corpus in ``names`` is present."""
    missing = [name for name in names if not (CORPORA / name).exists()]
    reason = f"corpus {', '.join(missing)} absent: ../shared/corpora is not beside this checkout"
    mark = pytest.mark.skipif(bool(missing), reason=reason)

    def decorate(test: F) -> F:
        return mark(test)

    return decorate
