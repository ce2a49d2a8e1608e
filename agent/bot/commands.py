"""``/postwright`` commands, parsed strictly from a comment; nothing else of the comment is kept."""

from __future__ import annotations

import re
from dataclasses import dataclass

VERBS = ("propose", "regenerate", "drop", "explain", "ignore", "recreate", "help")
NEEDS_ARG = frozenset({"drop", "explain", "ignore"})
MAX_COMMANDS = 5  # one comment cannot queue unbounded work

# An argument is an id (a test id, a rule id): a closed alphabet, so it can carry no markup.
_LINE = re.compile(r"/postwright(?:[ \t]+([a-z]+)(?:[ \t]+([A-Za-z0-9][A-Za-z0-9._:-]{0,127}))?)?[ \t]*")


@dataclass(frozen=True)
class Command:
    """One command: its verb and its one argument (an id), or ``""``."""

    verb: str
    arg: str = ""

    def text(self) -> str:
        return f"/postwright {self.verb} {self.arg}".rstrip()


def parse(body: str) -> list[Command]:
    """The commands of ``body``: whole lines ``/postwright VERB [ID]``; a malformed one is ``help``."""
    found: list[Command] = []
    for line in body.splitlines():
        stripped = line.strip()
        if not stripped.startswith("/postwright"):
            continue
        match = _LINE.fullmatch(stripped)
        verb = match.group(1) if match else None
        arg = (match.group(2) or "") if match else ""
        if verb not in VERBS or (verb in NEEDS_ARG) != bool(arg):
            found.append(Command("help"))
        else:
            found.append(Command(verb, arg))
        if len(found) == MAX_COMMANDS:
            break
    return found
