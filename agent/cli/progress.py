"""Shows pipeline events on stderr; the pipeline itself never prints."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape

from agent.events import Event, Notice, Progress, RunFinished, StageFinished, StageStarted
from agent.models import RunSummary
from agent.urls import mask_urls


def follow(events: Iterable[Event], *, quiet: bool = False) -> RunSummary:
    """Print one line per finished stage and per notice; return the run's summary."""
    console = Console(stderr=True, highlight=False)
    summary: RunSummary | None = None
    status = None if quiet else console.status("starting")
    if status is not None:
        status.start()
    try:
        for event in events:
            if isinstance(event, StageStarted) and status is not None:
                status.update(f"{event.stage} …")
            elif isinstance(event, Progress) and status is not None:
                total = f"/{event.total}" if event.total else ""
                status.update(f"{event.stage} … {event.done}{total}")
            elif isinstance(event, StageFinished) and not quiet:
                console.print(f"[green]✓[/] {event.stage:<9} {escape(mask_urls(event.summary))}", markup=True)
            elif isinstance(event, Notice) and not quiet:
                console.print(
                    f"  [yellow]![/] {escape(mask_urls(event.finding.message))}", markup=True, soft_wrap=True
                )
            elif isinstance(event, RunFinished):
                summary = event.summary
    finally:
        if status is not None:
            status.stop()
    assert summary is not None, "the pipeline ended without a RunFinished event"
    return summary
