"""The interactive command: open the queue, run the session, then the summary and the publish question."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agent.review.decide import Decider
from agent.review.project import Project
from agent.review.queue import Filters, ReviewQueue
from agent.review.session import Session
from agent.review.terminal import open_terminal
from agent.store import SQLiteStore

if TYPE_CHECKING:
    from agent.config import Settings


def review(store: SQLiteStore, settings: Settings, filters: Filters, decider: Decider) -> None:
    """Review the pending tests ``filters`` select; decisions are stored as they are made."""
    terminal = open_terminal()
    queue = ReviewQueue(store, filters)
    runs = {r.id: r for r in store.runs(limit=1000)}
    first = runs.get(queue.current().run_id) if len(queue) else None
    config = first.config if first else {}
    project = Project(settings, run_spec=config.get("spec"))
    if len(queue):
        tally = Session(store, queue, terminal, decider, project, runs).run()
    else:
        tally = decider.tally
        terminal.show_text(
            ["nothing to review: no pending tests" + (" match" if filters != Filters() else "")]
        )
    accepted = filters.ids(store, status="accepted")
    terminal.show([])  # the summary on a clean screen
    lines = [f"accepted {tally.accepted}  rejected {tally.rejected}  skipped {tally.skipped}"]
    if len(queue) and not queue.done:
        lines.append(f"{len(queue) - queue.position} not reviewed yet: postwright review carries on there")
    terminal.show_text(lines)
    if not accepted:
        return
    if settings.publish.repo is None:
        terminal.show_text([f"{len(accepted)} accepted; set [publish] repo to publish them"])
        return
    answer = terminal.line(f"publish {len(accepted)} accepted now? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        terminal.show_text(["not published; they stay accepted"])
        return
    from agent.review.publishing import publish  # the publisher's imports: only when asked to publish

    result = publish(store, project, accepted, decider.who)  # an error: one line, exit 2
    lines = [f"published {len(accepted)} tests: branch {result.branch}"]
    if result.pr_body_path:
        lines.append(f"PR body {_relative(result.pr_body_path)}")
    terminal.show_text(lines)


def _relative(path: str) -> str:
    """A path under the working directory, relative to it (short enough for the screen)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path
