"""A mock that is still loading its spec at the deadline (Prism on Stripe's densely recursive
description never listened) is named as that, with what to do, in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli.main import main
from agent.runner import newman

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}},
}


def _verify(sandbox_dir: Path, tmp_path: Path, spec_text: str) -> int:
    spec = tmp_path / "spec.json"
    spec.write_text(spec_text)
    out = tmp_path / "tests.json"
    with pytest.raises(SystemExit):
        main(["--state-dir", str(tmp_path / "state"), "generate", "--spec", str(spec), "-o", str(out)])
    with pytest.raises(SystemExit) as done:
        main(["verify", str(out), "--spec", str(spec), "--runs", "1", "--sandbox-dir", str(sandbox_dir)])
    return int(done.value.code or 0)


def test_a_mock_still_loading_at_the_deadline_says_so_in_one_line(
    sandbox_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newman, "MOCK_READY_TIMEOUT", 0.3)  # Prism needs ~2 s to listen
    monkeypatch.setattr(newman, "MOCK_READY_PER_MB", 0.0)
    code = _verify(sandbox_dir, tmp_path, json.dumps(SPEC))
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code != 0 and "Traceback" not in err
    assert "still loading the spec after 0 s" in err and "--target" in err, err
