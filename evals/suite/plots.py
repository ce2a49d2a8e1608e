"""PNG plots of the charts the areas return (matplotlib, Agg: no display needed)."""

from __future__ import annotations

from pathlib import Path

from evals.suite.rows import Chart


def draw(chart: Chart, folder: Path) -> Path:
    """Render one chart to folder/<name>.png and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    if chart.kind == "line":
        for label, points in chart.series.items():
            xs = [float(x) for x, _ in points]
            ax.plot(xs, [y for _, y in points], marker="o", label=label)
    else:
        categories = list(dict.fromkeys(str(x) for points in chart.series.values() for x, _ in points))
        width = 0.8 / max(1, len(chart.series))
        for i, (label, points) in enumerate(chart.series.items()):
            values = dict((str(x), y) for x, y in points)
            xs = [c + i * width - 0.4 + width / 2 for c in range(len(categories))]
            ax.bar(xs, [values.get(c, 0.0) for c in categories], width, label=label)
        ax.set_xticks(range(len(categories)), categories, rotation=25, ha="right", fontsize=8)
    ax.set_title(chart.title)
    ax.set_xlabel(chart.xlabel)
    ax.set_ylabel(chart.ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chart.name}.png"
    fig.savefig(path)
    plt.close(fig)
    return path
