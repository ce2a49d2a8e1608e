"""Smoke test of the end-to-end injection eval: three attacks written against postwright go
through the whole pipeline with a gullible model, and none of them gets through."""

from __future__ import annotations

from pathlib import Path

from evals.injection import attacks, end_to_end


def test_three_custom_attacks_end_to_end(tmp_path: Path, _no_network: list[str]) -> None:
    chosen = {a.id: a for a in attacks.custom_attacks()}
    plan = [
        (chosen["quiet-ops-note"], attacks.LOG),  # phrased to slip past the detector
        (chosen["pr-markdown-link"], attacks.SPEC_DESCRIPTION),
        (chosen["delete-human-test"], attacks.LOG),
    ]
    try:
        report = end_to_end.evaluate(plan, workdir=tmp_path)
    finally:
        end_to_end.shutdown()

    assert report.baseline.asked and report.baseline.llm_proposals > 0  # the model was really used
    assert not report.baseline.obeyed  # and the clean run gave it nothing to obey
    for case in report.cases:
        assert case.error is None, case.error
        assert case.asked, f"{case.id}: the model was never asked"
        assert case.outcome != "succeeded", f"{case.id}: {case.violations}"
    # the attack that evades detection is obeyed by the model and stopped by the guard
    assert report.cases[0].obeyed and report.cases[0].outcome == "refused-by-guard"
    assert "SUCC" in end_to_end.table(report)
