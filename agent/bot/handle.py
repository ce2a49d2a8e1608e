"""One queued job: who asked, may they, and each command answered in the sticky comment."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from agent import wiring
from agent.bot import render
from agent.bot.commands import Command
from agent.bot.host import PullHost, Roles
from agent.bot.propose import WorkerDied, collection_for, propose, worker_pool
from agent.config import Settings
from agent.diff import catalogue
from agent.errors import PostwrightError, UsageError
from agent.publish.github import GitHubAPI
from agent.publish.markdown import code, escape
from agent.publish.proposed import branch_for
from agent.publish.remote import RemotePublisher
from agent.store import SQLiteStore

log = logging.getLogger("postwright.bot")
HostFactory = Callable[[str], PullHost]


def github_host(settings: Settings) -> HostFactory:
    """Hosts answering as ``[publish]``'s identity (a GitHub App installation token is recommended)."""

    roles = Roles()

    def make(repo: str) -> PullHost:
        section = settings.publish.model_copy(update={"host": "github", "repo": repo})
        publisher = wiring.github_publisher(settings.model_copy(update={"publish": section}))
        assert isinstance(publisher, RemotePublisher) and isinstance(publisher.api, GitHubAPI)
        return PullHost(publisher.api, roles)

    return make


class Handler:
    """Runs a job's commands for one pull request."""

    def __init__(self, settings: Settings, store: SQLiteStore, hosts: HostFactory) -> None:
        self.settings, self.store, self.hosts = settings, store, hosts
        self.pool = worker_pool(settings.bot.workers)

    def __call__(self, payload: dict[str, Any]) -> bool:
        """Answer the job's commands; False when one failed (a redelivery is then processed)."""
        repo, number, user = str(payload["repo"]), int(payload["number"]), str(payload["user"])
        host = self.hosts(repo)
        comment_id = int(payload["comment_id"])
        if user == host.api.bot_login:
            return True  # its own comment (a token that is a person's, not an app's)
        if not host.may_command(user):
            log.info("refused", extra={"repo": repo, "pull": number, "reason": "permission"})
            host.sticky(number, render.REFUSAL_MARKER, render.REFUSAL)  # one reply at most, edited in place
            return True
        host.react(comment_id, "eyes")
        ok = True
        answers: list[tuple[Command, list[str]]] = []
        for verb, arg in payload["commands"]:
            command = Command(str(verb), str(arg))
            log.info("command", extra={"repo": repo, "pull": number, "command": command.verb})
            try:
                answers.append((command, self._answer(host, number, command)))
            except PostwrightError as exc:
                ok = False
                answers.append((command, render.failure(str(exc))))
        host.sticky(number, render.MARKER, render.comment(answers))
        host.react(comment_id, "+1" if ok else "confused")
        return ok

    def _answer(self, host: PullHost, number: int, command: Command) -> list[str]:
        verb = command.verb
        if verb == "help":
            return [render.HELP]
        if verb in ("propose", "regenerate", "recreate"):
            if verb != "propose":  # from scratch, over a person's commits too
                tests = self.hosts(self.settings.bot.collections_repo or host.repo)
                branch = branch_for(collection_for(self.settings, host.repo, number))
                tests.reset_branch(branch, self.settings.publish.base_branch)
            return self._propose(host, number)
        if verb == "drop":
            if self.store.proposal(command.arg) is None:
                return [f"No test {code(command.arg)} is known here."]
            reason = f"dropped on {host.repo}#{number}"
            self.store.set_status(command.arg, "rejected", actor="pr-bot", reason=reason)
            return [f"Dropped {code(command.arg)}: it will not be proposed again."]
        if verb == "explain":
            return self._explain(command.arg)
        return self._ignore(host.repo, number, command.arg)

    def _ignore(self, repo: str, number: int, rule: str) -> list[str]:
        """``ignore <rule-id>``: that diff rule's changes get no tests on this PR, from the next
        propose on (kept in the state database, so every later run of this PR leaves them out)."""
        if not catalogue.known(rule):
            return [f"{code(rule)} is not a diff rule id; nothing is ignored."]
        # a breaking change is the one a reviewer most needs tests for: one comment does not
        # silence it (single tests of it can still be dropped)
        if catalogue.level(rule) == "error":
            return [f"{code(rule)} is a breaking-change rule: not ignored (`drop` single tests)."]
        rules = sorted(self._ignored(repo, number) | {rule})
        self.store.set_watermark(f"bot:ignore:{repo}#{number}", ",".join(rules))
        return [f"Changes of rule {code(rule)} get no tests on this pull request (from the next propose)."]

    def _ignored(self, repo: str, number: int) -> frozenset[str]:
        """The rule ids ignored on this PR."""
        kept = self.store.get_watermark(f"bot:ignore:{repo}#{number}") or ""
        return frozenset(filter(None, kept.split(",")))

    def _propose(self, host: PullHost, number: int) -> list[str]:
        pull = host.pull(number)
        head_repo = (pull.get("head") or {}).get("repo")
        if not head_repo:
            raise UsageError("this pull request's head repository is gone (a deleted fork)")
        # A fork's head commit is read through the base repository, at head.sha: GitHub keeps a fork
        # network's objects (and refs/pull/N/head) in the base, and an app's installation token is
        # narrowed to the base repository, so it may not read another account's fork at all.
        ignore = self._ignored(host.repo, number)
        try:
            summary, skipped = propose(self.settings, host, pull, number, self.pool, ignore)
        except WorkerDied:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = worker_pool(self.settings.bot.workers)  # the next job gets a working pool
            raise
        result = summary.publish
        ids = list(result.proposed or []) if result is not None else []
        names = {p.id: str(p.item.get("name") or "") for p in map(self.store.proposal, ids) if p is not None}
        url, request = (result.url, result.request) if result else (None, None)
        lines = render.proposed(ids, names, url, request, proven=self.settings.sandbox.enabled)
        if skipped:
            rules = ", ".join(map(code, sorted(ignore)))
            lines += ["", f"{skipped} changes of rules ignored on this pull request ({rules}) got no tests."]
        if result is not None and result.stopped:
            lines.append("")
            lines.append(escape(result.stopped, 300) + " (`/postwright recreate` takes it back)")
        return lines

    def _explain(self, test_id: str) -> list[str]:
        found = self.store.proposal(test_id)
        if found is None:
            return [f"No test {code(test_id)} is known here."]
        lines = [
            f"Test {code(test_id)}: {escape(found.item.get('name') or '', 120)}",
            f"- covers {code(found.operation)}, made by {code(found.generator)}",
            f"- status {code(found.status)}",
        ]
        change = found.provenance.get("change") or found.provenance.get("reason")
        if change:
            lines.append(f"- change {code(change)}")
        for finding in found.findings[:10]:
            said = escape(finding.message, 200)
            lines.append(f"- check {code(finding.code)} ({finding.severity}): {said}")
        return lines
