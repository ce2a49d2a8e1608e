"""Replays the oasdiff Go tests transcribed in evals/diff/expected.tsv (skipped without the corpus)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from agent.diff import diff_specs
from agent.diff.catalogue import known
from agent.specs.load import load_spec
from tests.corpora import CORPORA, needs_corpora

ROOT = Path(__file__).resolve().parents[2]
DATA = CORPORA / "oasdiff" / "data"
ROWS = list(csv.DictReader((ROOT / "evals" / "diff" / "expected.tsv").open(), delimiter="\t"))


def test_expected_ids_are_oasdiff_rule_ids() -> None:
    ids = {i for row in ROWS for i in row["expected_ids"].replace("|", ",").split(",")}
    assert ids and all(known(i) for i in ids)


@needs_corpora("oasdiff/data")
@pytest.mark.parametrize("row", ROWS, ids=[r["go_test"].rsplit("::", 1)[-1] for r in ROWS])
def test_go_test_expectation_holds(row: dict[str, str]) -> None:
    base = load_spec(str(DATA / row["base"]), validate=False)
    rev = load_spec(str(DATA / row["revision"]), validate=False)
    got = {c.id for c in diff_specs(base, rev)}
    for item in row["expected_ids"].split(","):
        assert set(item.split("|")) & got, f"{row['go_test']}: missing {item}; got {sorted(got)}"
