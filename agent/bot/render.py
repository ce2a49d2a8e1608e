"""The sticky comment's text: built only from ids, counts and the host's own links, all made inert."""

from __future__ import annotations

from collections.abc import Sequence

from agent.bot.commands import VERBS, Command
from agent.publish.markdown import code, escape

MARKER = "<!-- postwright:bot -->"
REFUSAL_MARKER = "<!-- postwright:bot-refusal -->"
MAX_LISTED = 50

HELP = "\n".join(
    [
        "Commands (one per line, only from people who may write to this repository):",
        "",
        "- `/postwright propose`: tests for this pull request's spec changes, generated, checked and proven",
        "- `/postwright regenerate`: the same again, from scratch",
        "- `/postwright drop <test-id>`: never propose that test again",
        "- `/postwright explain <test-id>`: where a test came from and what checked it",
        "- `/postwright ignore <rule-id>`: no tests for that diff rule's changes on this pull request",
        "- `/postwright recreate`: take back the tests' branch after someone edited it",
        "- `/postwright help`: this list",
    ]
)
assert all(f"/postwright {v}" in HELP for v in VERBS)

REFUSAL = (
    f"{REFUSAL_MARKER}\npostwright only takes commands from people who may write to this repository;"
    " nothing was run."
)


def comment(answers: Sequence[tuple[Command, Sequence[str]]]) -> str:
    """The sticky comment: each command of the latest request, and what came of it."""
    parts = [f"{MARKER}\n**postwright**"]
    for command, lines in answers:
        parts.append(f"**{code(command.text())}**\n\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"


def proposed(
    ids: Sequence[str], names: dict[str, str], url: str | None, number: int | None, *, proven: bool
) -> list[str]:
    """Lines for a propose: the tests (inert) and the pull request that carries them."""
    if not ids:
        return ["No new tests to propose for this change."]
    where = f"[pull request #{number}]({url})" if url and number else "the collections repository"
    how = "checked and run in the sandbox" if proven else "checked (not run: [sandbox] is off)"
    lines = [f"{len(ids)} proposed tests, {how}, are in {where}:", ""]
    for test_id in list(ids)[:MAX_LISTED]:
        name = names.get(test_id)
        lines.append(f"- {code(test_id)}" + (f" {escape(name, 120)}" if name else ""))
    if len(ids) > MAX_LISTED:
        lines.append(f"- … and {len(ids) - MAX_LISTED} more")
    return lines


def failure(message: str) -> list[str]:
    """Lines for a command that could not be done (the message is ours, made inert anyway)."""
    return [f"Could not finish: {escape(message, 400)}"]
