"""GitHub's recorded webhook deliveries (npm @octokit/webhooks-examples 7.6.1), checked against
@octokit/webhooks-schemas 7.6.1 before a test sends them; both installed by `make bot-env`."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

HERE = Path(__file__).parent / "payloads" / "node_modules" / "@octokit"
EXAMPLES = HERE / "webhooks-examples" / "api.github.com" / "index.json"
SCHEMA = HERE / "webhooks-schemas" / "schema.json"


def missing() -> str | None:
    """Why the payloads cannot be used here, or None."""
    if not EXAMPLES.is_file() or not SCHEMA.is_file():
        return "tests/bot/payloads is not installed: run `make bot-env`"
    return None


@functools.cache
def _examples() -> dict[str, list[dict[str, Any]]]:
    return {e["name"]: e["examples"] for e in json.loads(EXAMPLES.read_text())}


@functools.cache
def _schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA.read_text()))


def example(event: str, action: str | None = None) -> dict[str, Any]:
    """A copy of the first recorded delivery of ``event`` (with ``action``) that today's schema
    accepts (the oldest recordings lack fields GitHub has added since)."""
    found = [e for e in _examples()[event] if action is None or e.get("action") == action]
    for candidate in found:
        if _valid(event, action, candidate):
            return copy.deepcopy(candidate)
    raise AssertionError(f"no recorded {event} {action or ''} delivery fits the schema")


@functools.cache
def _validator(event: str, action: str | None) -> jsonschema.Draft7Validator:
    definitions = _schema()["definitions"]
    name = f"{event}${action or 'event'}"  # GitHub's schema names: issue_comment$created, ping$event
    return jsonschema.Draft7Validator({"$ref": f"#/definitions/{name}", "definitions": definitions})


def _valid(event: str, action: str | None, payload: dict[str, Any]) -> bool:
    return bool(_validator(event, action).is_valid(payload))


def validate(event: str, action: str | None, payload: dict[str, Any]) -> None:
    """Fail unless ``payload`` is a valid ``event`` delivery by GitHub's published schema."""
    _validator(event, action).validate(payload)


def pr_comment(
    repo: str, number: int, body: str, *, user: str, user_type: str = "User", comment_id: int = 1
) -> dict[str, Any]:
    """issue_comment.created on a pull request: GitHub's example, with its issue made a PR's
    (the examples have no such delivery) and the repository, author and text of this test."""
    payload = example("issue_comment", "created")
    owner, name = repo.split("/")
    api = f"https://api.github.com/repos/{repo}"
    payload["repository"].update({"full_name": repo, "name": name})
    payload["repository"]["owner"]["login"] = owner
    payload["issue"].update({"number": number, "url": f"{api}/issues/{number}"})
    payload["issue"]["pull_request"] = {
        "url": f"{api}/pulls/{number}",
        "html_url": f"https://github.com/{repo}/pull/{number}",
        "diff_url": f"https://github.com/{repo}/pull/{number}.diff",
        "patch_url": f"https://github.com/{repo}/pull/{number}.patch",
    }
    for account in (payload["comment"]["user"], payload["sender"]):
        account.update({"login": user, "type": user_type})
    payload["comment"].update({"id": comment_id, "body": body})
    validate("issue_comment", "created", payload)
    return payload
