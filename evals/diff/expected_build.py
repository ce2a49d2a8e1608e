"""Expand the hand-transcribed oasdiff Go-test notes into evals/diff/expected.tsv.

usage: .venv/bin/python -m evals.diff.expected_build NOTES
NOTES lines: ``CASE +|- IDS FILE TEST`` (``+`` runs CASE_base -> CASE_revision, ``-`` the
reverse) or ``BASE>REVISION = IDS FILE TEST`` for other file pairs; IDS comma-separated.
Only tests that diff two fixture files unmodified are transcribed (tests that edit a spec in
Go code before diffing cannot be replayed from files).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    rows = ["base\trevision\texpected_ids\tgo_test"]
    for line in Path(sys.argv[1]).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        case, way, ids, file, test = line.split()
        if way == "=":
            base, rev = case.split(">")
        else:
            base, rev = f"checker/{case}_base.yaml", f"checker/{case}_revision.yaml"
            if way == "-":
                base, rev = rev, base
        rows.append(f"{base}\t{rev}\t{ids}\tchecker/{file}::{test}")
    (HERE / "expected.tsv").write_text("\n".join(rows) + "\n")
    print(f"wrote {len(rows) - 1} rows")


if __name__ == "__main__":
    main()
