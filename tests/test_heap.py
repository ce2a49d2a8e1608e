"""The CLI makes cyclic garbage collection rarer (large specs were rescanned again and again)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from agent.heap import THRESHOLDS, tune_gc


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


@pytest.mark.parametrize("start", [(700, 10, 10), (2_000, 10, 10), (10, 1, 1)])
def test_low_thresholds_are_raised(start: tuple[int, int, int]) -> None:
    gc.set_threshold(*start)
    tune_gc()
    assert gc.get_threshold() == THRESHOLDS
    tune_gc()  # idempotent
    assert gc.get_threshold() == THRESHOLDS


@pytest.mark.parametrize("start", [(100_000, 10, 10), (0, 10, 10)])
def test_higher_or_disabled_thresholds_are_kept(start: tuple[int, int, int]) -> None:
    gc.set_threshold(*start)
    tune_gc()
    assert gc.get_threshold() == start


def test_the_cli_entry_tunes_the_collector() -> None:
    from agent.cli import main as cli

    gc.set_threshold(700, 10, 10)
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert gc.get_threshold() == THRESHOLDS
