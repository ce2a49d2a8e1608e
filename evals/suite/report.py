"""Write REPORT.md: one table per area, its plots, and how to reproduce each figure."""

from __future__ import annotations

from pathlib import Path

from evals.suite.plots import draw
from evals.suite.rows import Area, Mode

HEAD = ("figure", "postwright", "target", "peer", "ratio", "data")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write(
    areas: list[Area], out: Path, mode: Mode, machine: str, seconds: float, pending: list[str] | None = None
) -> Path:
    """Render every area (plots into out/plots/) and return the REPORT.md path."""
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# postwright measurements",
        "",
        f"Written by `python -m evals --{mode.name}` in {seconds / 60:.1f} min"
        + ("" if mode.full else " (the **quick** run: small sizes, fewer runs; `--full` is the record)")
        + ". Peers (Portman, openapi-spec-validator, detect-secrets; pinned, installed on first use)"
        " ran in the same run,"
        " beside postwright, so ratios matter more than seconds on a shared machine.",
        "",
        f"Machine: {machine}.",
        "",
    ]
    for area in areas:
        lines += [f"## {area.title}", ""]
        if area.skipped:
            lines += [area.skipped, ""]
        else:
            lines += ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
            for r in area.rows:
                cells = (r.figure, r.value, r.target, r.peer, r.ratio, r.data)
                lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
            lines.append("")
            for chart in area.charts:
                png = draw(chart, out / "plots")
                lines += [f"![{chart.title}](plots/{png.name})", ""]
        lines += [f"Reproduce: `{area.reproduce}` · measured in {area.seconds:.0f} s", ""]
    if pending:
        lines += [f"**Unfinished run**: not measured yet: {', '.join(pending)}.", ""]
    path = out / "REPORT.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
