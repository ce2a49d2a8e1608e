"""What of a webhook delivery becomes a job: only a new PR comment's ``/postwright`` lines."""

from __future__ import annotations

from typing import Any

from agent.bot.commands import parse
from agent.bot.render import MARKER, REFUSAL_MARKER

HANDLED_EVENTS = frozenset({"issue_comment"})


def is_bot(account: Any) -> bool:
    """A GitHub App or any other bot account (``type: Bot``, or a ``[bot]`` login)."""
    if not isinstance(account, dict):
        return True  # no sender: nobody we take commands from
    return account.get("type") == "Bot" or str(account.get("login", "")).endswith("[bot]")


def job_of(event: str, payload: Any) -> tuple[str, dict[str, Any]] | None:
    """``(pull key, job)`` for a delivery the bot acts on, else None (ignored: 204)."""
    if event not in HANDLED_EVENTS or not isinstance(payload, dict) or payload.get("action") != "created":
        return None
    issue, comment, repo = payload.get("issue"), payload.get("comment"), payload.get("repository")
    if not (isinstance(issue, dict) and isinstance(comment, dict) and isinstance(repo, dict)):
        return None
    if not issue.get("pull_request"):
        return None  # a comment on an issue, not a pull request
    if is_bot(payload.get("sender")) or is_bot(comment.get("user")):
        return None  # other bots, and the bot itself when it is an app
    body = str(comment.get("body") or "")
    if MARKER in body or REFUSAL_MARKER in body:
        return None  # the bot's own comment (a token that is a person's)
    commands = parse(body)
    if not commands:
        return None
    full_name, number = str(repo.get("full_name") or ""), int(issue.get("number") or 0)
    job = {
        "repo": full_name,
        "number": number,
        "comment_id": int(comment.get("id") or 0),
        "user": str(comment["user"].get("login") or ""),
        "commands": [[c.verb, c.arg] for c in commands],
    }
    return f"{full_name}#{number}", job
