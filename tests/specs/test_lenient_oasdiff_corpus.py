"""oasdiff's own fixture pairs diff as oasdiff diffs them: invalid ones with warnings, not refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.diff import diff_specs
from agent.errors import InputError
from agent.specs.load import load_spec
from tests.corpora import CORPORA, needs_corpora

DATA = CORPORA / "oasdiff" / "data"


def _pairs() -> list[tuple[Path, Path]]:
    """Every ``*base*`` fixture with its ``*revision*`` twin."""
    found = []
    for base in sorted(DATA.rglob("*base*")) if DATA.is_dir() else []:
        revision = base.with_name(base.name.replace("base", "revision"))
        if base.is_file() and revision.is_file():
            found.append((base, revision))
    return found


@needs_corpora("oasdiff/data")
def test_every_pair_diffs_and_invalid_ones_warn() -> None:
    pairs = _pairs()
    assert len(pairs) > 100
    warned = refused_strictly = 0
    for base, revision in pairs:
        old, new = load_spec(str(base)), load_spec(str(revision))
        diff_specs(old, new)
        if old.problems or new.problems:
            warned += 1
            assert all(p.startswith("$") for p in old.problems + new.problems)
            with pytest.raises(InputError, match="strict"):
                for spec in (base, revision):
                    load_spec(str(spec), strict=True)
            refused_strictly += 1
    # 33 of oasdiff's 180 pairs break the meta-schema somewhere (undeclared path parameters,
    # missing responses, 3.1 keywords in 3.0, ...); all of them are diffed.
    assert warned >= 30 and refused_strictly == warned
