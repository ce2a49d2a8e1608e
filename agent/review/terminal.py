"""Where a review is shown and keys are read: a real terminal (rich + prompt_toolkit) or a dumb one.

A dumb terminal (``TERM=dumb``, an Emacs shell) gets the same rows without clearing or colour,
and each decision is typed as a line. ``NO_COLOR`` is honoured by both libraries.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from typing import Protocol

from rich.console import Console
from rich.text import Text

ENTER, SPACE, INTERRUPT = "enter", "space", "interrupt"


class Terminal(Protocol):
    """What the review session needs from the screen and the keyboard."""

    @property
    def height(self) -> int: ...

    def show(self, rows: Sequence[Text]) -> None: ...

    def key(self) -> str: ...

    def line(self, prompt: str) -> str: ...

    def page(self, lines: Sequence[str | Text]) -> None: ...

    def show_text(self, lines: Sequence[str]) -> None: ...


def is_dumb() -> bool:
    """A terminal that cannot move the cursor: plain line prompts instead of keys."""
    return os.environ.get("TERM", "") in ("dumb", "")


class _Base:
    def __init__(self, console: Console) -> None:
        self.console = console

    @property
    def height(self) -> int:
        return max(shutil.get_terminal_size((80, 24)).lines - 1, 8)  # the last row is the key prompt

    def show_text(self, lines: Sequence[str]) -> None:
        """Lines below what is on the screen (the summary)."""
        self._print([Text(line) for line in lines])

    def _print(self, rows: Sequence[str | Text]) -> None:
        for row in rows:
            self.console.print(row, soft_wrap=False, overflow="ellipsis", no_wrap=True, crop=True)


class KeyTerminal(_Base):
    """A terminal that reads one key at a time (prompt_toolkit) and redraws the whole screen."""

    def __init__(self) -> None:
        super().__init__(Console(highlight=False, markup=False))

    def show(self, rows: Sequence[Text]) -> None:
        self.console.clear()
        self._print(rows)

    def key(self) -> str:
        from prompt_toolkit.application import Application
        from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
        from prompt_toolkit.layout import Layout, Window
        from prompt_toolkit.layout.controls import FormattedTextControl

        bindings = KeyBindings()

        @bindings.add("<any>")
        def _pressed(event: KeyPressEvent) -> None:
            event.app.exit(result=event.key_sequence[0].data)

        app: Application[str] = Application(
            layout=Layout(Window(FormattedTextControl("> "), height=1)),
            key_bindings=bindings,
            full_screen=False,
            erase_when_done=True,
        )
        try:
            data = app.run()
        except (KeyboardInterrupt, EOFError):
            return INTERRUPT
        return {"\r": ENTER, "\n": ENTER, " ": SPACE, "\x03": INTERRUPT, "\x04": INTERRUPT}.get(data, data)

    def line(self, prompt: str) -> str:
        from prompt_toolkit import prompt as ask

        try:
            return ask(prompt)
        except (KeyboardInterrupt, EOFError):
            return ""

    def page(self, lines: Sequence[str | Text]) -> None:
        """Show ``lines`` a screen at a time; any key goes on, q stops."""
        room = self.height
        for start in range(0, max(len(lines), 1), room - 1):
            self.console.clear()
            self._print(lines[start : start + room - 1])
            more = start + room - 1 < len(lines)
            self._print([Text("-- more: any key, q back --" if more else "-- any key: back --", style="dim")])
            if self.key() in ("q", INTERRUPT) or not more:
                return


class LineTerminal(_Base):
    """A dumb terminal: rows printed as they are, each choice typed as a line (Enter alone accepts)."""

    def __init__(self) -> None:
        super().__init__(Console(highlight=False, markup=False, no_color=True, width=_width()))
        self.closed = False  # stdin ended: every later question is answered "quit"

    def show(self, rows: Sequence[Text]) -> None:
        self.console.print()
        self._print(rows)

    def key(self) -> str:
        answer = self.line("choice [a/r/s/e/d/i/A/R/S/g/?/q, Enter accepts]: ")
        return INTERRUPT if self.closed else answer.strip()[:1] or ENTER

    def line(self, prompt: str) -> str:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        got = sys.stdin.readline()
        self.closed = self.closed or not got
        return got.rstrip("\n")

    def page(self, lines: Sequence[str | Text]) -> None:
        self._print(lines)


def _width() -> int:
    return shutil.get_terminal_size((80, 24)).columns


def open_terminal() -> Terminal:
    """The terminal this process runs in."""
    return LineTerminal() if is_dumb() else KeyTerminal()
