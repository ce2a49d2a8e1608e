"""The interactive review: one proposal per screen, one key per decision, each stored at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rich.text import Text

from agent.errors import PostwrightError
from agent.review.decide import Decider, Tally
from agent.review.project import Project
from agent.review.queue import ReviewQueue
from agent.review.screen import HELP, Position, change_lines, rows, verified_runs
from agent.review.terminal import ENTER, INTERRUPT, SPACE, Terminal
from agent.store import SQLiteStore, StoredProposal, StoredRun


@dataclass
class Session:
    """A reviewer going through a queue on a terminal."""

    store: SQLiteStore
    queue: ReviewQueue
    terminal: Terminal
    decider: Decider
    project: Project
    runs: dict[str, StoredRun] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # said once on the next screen (an edit's result)
    _quit: bool = False

    def run(self) -> Tally:
        """Review until the queue ends or the reviewer quits; returns what was decided."""
        while not self.queue.done and not self._quit:
            proposal = self.queue.current()
            self.terminal.show(self._screen(proposal))
            self._handle(self.terminal.key(), proposal)
        return self.decider.tally

    def _screen(self, proposal: StoredProposal) -> list[Text]:
        at = Position(self.queue.position + 1, len(self.queue))
        notes = [Text(n, style="bold", no_wrap=True, overflow="ellipsis", end="") for n in self.notes]
        self.notes = []
        height = self.terminal.height - len(notes)
        held = verified_runs(self.runs.get(proposal.run_id))
        return [*notes, *rows(proposal, at, held, height)]

    def _handle(self, key: str, proposal: StoredProposal) -> None:
        action: Callable[[StoredProposal], None] | None = {
            "a": self._accept,
            ENTER: self._accept,
            "r": self._reject,
            "s": self._skip,
            SPACE: self._skip,
            "e": self._edit,
            "A": self._accept_all,
            "R": self._reject_all,
            "S": self._skip_all,
            "d": self._diff,
            "i": self._info,
            "g": self._goto,
            "?": self._help,
            "q": self._stop,
            INTERRUPT: self._stop,
        }.get(key)
        if action is None:
            self.notes.append(f"unknown key {key!r}: ? shows the keys")
            return
        action(proposal)

    def _accept(self, proposal: StoredProposal) -> None:
        self.decider.accept([proposal.id])
        self.queue.advance()

    def _reject(self, proposal: StoredProposal) -> None:
        reason = self.terminal.line("reason (one line, empty cancels): ").strip()
        if not reason:
            self.notes.append("not rejected: a rejection needs a reason")
            return
        self.decider.reject([proposal.id], reason)
        self.queue.advance()

    def _skip(self, proposal: StoredProposal) -> None:
        self.decider.skip([proposal.id])
        self.queue.advance()

    def _accept_all(self, proposal: StoredProposal) -> None:
        self.decider.accept(self.queue.remaining())
        self.queue.position = len(self.queue)

    def _reject_all(self, proposal: StoredProposal) -> None:
        left = self.queue.remaining()
        reason = self.terminal.line(f"reason for rejecting all {len(left)} (empty cancels): ").strip()
        if not reason:
            self.notes.append("nothing rejected: a rejection needs a reason")
            return
        self.decider.reject(left, reason)
        self.queue.position = len(self.queue)

    def _skip_all(self, proposal: StoredProposal) -> None:
        self.decider.skip(self.queue.remaining())
        self.queue.position = len(self.queue)

    def _stop(self, proposal: StoredProposal) -> None:
        self._quit = True

    def _edit(self, proposal: StoredProposal) -> None:
        from agent.review import editing  # the check stage's imports: only when a test is edited

        try:
            text = editing.run_editor(editing.editable(proposal.item), proposal.id)
            result = editing.apply_edit(self.store, self.project, proposal, text, self.decider.who)
        except PostwrightError as exc:  # no editor, no spec, the sandbox failed: said, not fatal
            self.notes.append(f"edit not saved: {exc}")
            return
        if result.saved:
            self.notes.append("edit saved: it passed the checks and the sandbox")
        elif not result.problems:
            self.notes.append("edit: nothing changed")
        else:
            self.terminal.page(["edit NOT saved; it failed:", *(f"  {p}" for p in result.problems)])
            self.notes.append(f"edit not saved: {result.problems[0]}")

    def _diff(self, proposal: StoredProposal) -> None:
        from agent.publish.remote import RemotePublisher
        from agent.review import diffview

        settings = self.project.settings.publish
        if settings.repo is None:
            self.notes.append("no [publish] repo configured: nothing to diff against")
            return
        try:
            publisher = self.project.publisher if settings.host != "local" else None
            if isinstance(publisher, RemotePublisher):  # GitHub / GitLab: read through the host's API
                where, existing = diffview.hosted_item(
                    publisher.api, settings.base_branch, publisher.path, proposal.id
                )
            else:
                where, existing = diffview.repository_item(
                    self.project.settings.path(settings.repo),
                    settings.base_branch,
                    settings.collection,
                    proposal.id,
                )
        except PostwrightError as exc:
            self.notes.append(f"diff: {exc}")
            return
        self.terminal.page(diffview.diff_lines(proposal.item, existing, where))

    def _info(self, proposal: StoredProposal) -> None:
        intent = proposal.provenance.get("intent") or {}
        lines = [
            f"{proposal.id}  {proposal.status}  generator {proposal.generator}  run {proposal.run_id}",
            f"intent: {intent.get('kind')} {intent.get('operation')} expects {intent.get('expected_status')}"
            f"  safety {intent.get('safety')}",
            f"  {intent.get('text', '')}",
            *(f"  change {c}" for c in change_lines(intent, sentence=True)),
            *(line for s in intent.get("signals") or [] for line in _signal(s)),
            "findings:" if proposal.findings else "findings: none",
            *(f"  {f.severity} {f.code}: {f.message}" for f in proposal.findings),
            "decisions:",
            *(f"  {d.at} {d.actor} {d.status}: {d.reason}" for d in self.store.decisions(proposal.id)),
        ]
        self.terminal.page(lines)

    def _goto(self, proposal: StoredProposal) -> None:
        wanted = self.terminal.line("go to id: ").strip()
        if wanted and not self.queue.jump(wanted):
            self.notes.append(f"no pending test here has an id starting {wanted!r}")

    def _help(self, proposal: StoredProposal) -> None:
        self.terminal.page(["keys:", *HELP])


def _signal(signal: dict[str, object]) -> list[str]:
    """Where a log signal was seen: dag, run, task, try, line (ids as the run's redactor left them)."""
    names = {"dag_id": "dag", "task_id": "task", "try_number": "try", "line": "line"}
    where = "  ".join(f"{name} {signal.get(key)}" for key, name in names.items())
    return [f"  log: {where}", f"       run {signal.get('run_id')}"]
