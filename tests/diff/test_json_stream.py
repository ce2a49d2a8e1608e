"""`diff --format json` is written as it is made (a 145,352-change report built whole cost 500 MB
more), and its text is exactly ``json.dumps(report, indent=2, ensure_ascii=False)`` as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer

from agent.cli import diff as diff_cli
from agent.cli.main import main
from agent.diff.render import as_json, json_chunks
from agent.models import Change, ChangeSource


def _whole(base: str, revision: str, changes: list[Change]) -> str:
    """The report as one ``json.dumps`` of its payload: the text the chunks must equal."""
    from agent.diff.group import group

    payload: dict[str, Any] = {
        "base": base,
        "revision": revision,
        "changes": [
            {
                "id": c.id,
                "level": c.level,
                "operation": c.operation,
                "path": c.path,
                "method": c.method,
                "text": c.text,
                "fingerprint": c.fingerprint,
                "source": {"base": c.source.base, "revision": c.source.revision},
            }
            for c in changes
        ],
        "groups": [
            {
                "id": g.first.id,
                "level": g.first.level,
                "root": g.root,
                "changes": [c.fingerprint for c in g.changes],
                "operations": g.operations,
                "fields": g.fields,
            }
            for g in group(changes)
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _change(n: int, text: str, *, base: str | None, revision: str | None, method: str = "GET") -> Change:
    return Change(
        id="response-property-removed" if n % 2 else "request-parameter-added",
        level="error" if n % 2 else "info",
        operation=f"{method} /p{n}" if method else f"/p{n}",
        path=f"/p{n}",
        method=method,
        text=text,
        fingerprint=f"{n:064x}",
        source=ChangeSource(base=base, revision=revision),
    )


SHARED = "#/components/schemas/user/properties/id"
VARIANTS: dict[str, list[Change]] = {
    "none": [],
    "one": [_change(1, "removed the property 'id'", base="#/paths/~1p1/get", revision=None)],
    # a line separator, quotes, backslashes, a raw newline escaped and non-ASCII kept as is
    "odd-text": [
        _change(i, t, base=None, revision=None, method="")
        for i, t in enumerate(['a "quoted" \\ name', "line\nbreak", "sep\u2028par\u2029", "café ✓ 名"])
    ],
    # one root change reached from many operations: a group of several, fields listed
    "grouped": [
        _change(i, f"property 'owner/id' changed ({i})", base=SHARED, revision=SHARED) for i in range(7)
    ],
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
@pytest.mark.parametrize("refs", [("old.json", "new.json"), ("https://h/a b.yaml", "git:HEAD:spec ✓.json")])
def test_the_chunks_are_the_whole_report(name: str, refs: tuple[str, str]) -> None:
    changes = VARIANTS[name]
    expected = _whole(*refs, changes)
    assert "".join(json_chunks(*refs, changes)) == expected
    assert as_json(*refs, changes) == expected


def _pair(tmp_path: Path, removed: int) -> tuple[str, str]:
    """Specs where the revision drops ``removed`` of the base's operations."""
    ok = {"200": {"description": "ok"}}
    paths = {f"/things{i}": {"get": {"operationId": f"get{i}", "responses": ok}} for i in range(removed + 1)}
    docs = [
        {"openapi": "3.0.3", "info": {"title": "T", "version": v}, "paths": p}
        for v, p in (("1", paths), ("2", {"/things0": paths["/things0"]}))
    ]
    files = []
    for name, doc in zip(("old.json", "new.json"), docs, strict=True):
        (tmp_path / name).write_text(json.dumps(doc))
        files.append(str(tmp_path / name))
    return files[0], files[1]


@pytest.mark.parametrize("removed", [40, 300])
def test_the_cli_writes_the_report_in_pieces(
    removed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(diff_cli, "WRITE_SIZE", 2_000)
    writes: list[str] = []
    echo = typer.echo

    def recording(message: str | None = None, **kwargs: Any) -> None:
        if not kwargs.get("err"):
            writes.append(message or "")
        echo(message, **kwargs)

    monkeypatch.setattr(typer, "echo", recording)
    old, new = _pair(tmp_path, removed)
    with pytest.raises(SystemExit) as done:
        main(["--state-dir", str(tmp_path / "st"), "diff", "-f", "json", old, new])
    assert done.value.code in (0, None)
    out = capsys.readouterr().out
    report = json.loads(out)
    assert len(report["changes"]) == removed
    assert len(writes) > removed // 40  # written as it was made, not as one string
    assert max(len(w) for w in writes) < 2_000 + 2_000  # never much more than WRITE_SIZE at once
    assert out == "".join(writes) + "\n"
