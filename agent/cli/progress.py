"""Shows pipeline events on stderr; the pipeline itself never prints."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape

from agent.events import Event, Notice, Progress, RunFinished, StageFinished, StageStarted
from agent.urls import mask_urls


def follow(events: Iterable[Event], *, quiet: bool = False) -> RunFinished:
    """Print one line per finished stage and per notice; return the run's last event."""
    console = Console(stderr=True, highlight=False)
    finished: RunFinished | None = None
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
                finished = event
    finally:
        if status is not None:
            status.stop()
        # Ctrl-C between two events: end the run now (it records itself interrupted), not at exit.
        close = getattr(events, "close", None)
        if close is not None:
            close()
    assert finished is not None, "the pipeline ended without a RunFinished event"
    return finished
