"""`e`: the test's request and script in ``$EDITOR``; a saved edit is checked and verified again.

The file holds the request as JSON and the test script as JavaScript, between marker lines.
An edit that fails the check stage (spec, script policy, secret gate) or the sandbox is shown
and not stored; one that passes replaces the stored item (its id, intent and status stay).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.check.batch import findings_of
from agent.errors import UsageError
from agent.models import Finding, Proposal
from agent.review.project import Project
from agent.review.screen import script_text
from agent.store import SQLiteStore, StoredProposal

REQUEST = "// ---- request (JSON) ----"
SCRIPT = "// ---- test script (JavaScript) ----"
HEADER = "// Edit the request and the test script; save and quit. The edit is checked and verified again."


@dataclass(frozen=True)
class EditResult:
    """What became of an edit: saved, unchanged, or refused with the findings."""

    saved: bool
    problems: list[str]


def editable(item: dict[str, Any]) -> str:
    """The text put in the editor."""
    request = json.dumps(item.get("request") or {}, indent=2, ensure_ascii=False)
    return f"{HEADER}\n{REQUEST}\n{request}\n{SCRIPT}\n{script_text(item)}\n"


def edited_item(item: dict[str, Any], text: str) -> dict[str, Any]:
    """The item with the edited request and test script; a malformed file is a UsageError."""
    if REQUEST not in text or SCRIPT not in text:
        raise UsageError("the marker lines were removed: keep the '// ---- …' lines")
    request_text, script = text.split(REQUEST, 1)[1].split(SCRIPT, 1)
    try:
        request = json.loads(request_text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"the request is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(request, dict):
        raise UsageError("the request must be a JSON object")
    lines = script.strip("\n").split("\n")
    events = [e for e in item.get("event") or [] if not (isinstance(e, dict) and e.get("listen") == "test")]
    test = next(
        (e for e in item.get("event") or [] if isinstance(e, dict) and e.get("listen") == "test"), None
    )
    script_block = {**((test or {}).get("script") or {"type": "text/javascript"}), "exec": lines}
    events.append({**(test or {"listen": "test"}), "script": script_block})
    return {**item, "request": request, "event": events}


def run_editor(text: str, name: str) -> str:
    """Open ``$VISUAL``/``$EDITOR`` (else vi) on ``text``; return what was saved."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="postwright-edit-") as folder:
        path = Path(folder) / f"{name}.js"
        path.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run([*shlex.split(command), str(path)], check=False)
        except OSError as exc:
            raise UsageError(f"cannot start the editor {command!r}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise UsageError(f"the editor exited with {done.returncode}; nothing changed")
        return path.read_text(encoding="utf-8")


def apply_edit(
    store: SQLiteStore, project: Project, stored: StoredProposal, text: str, who: str
) -> EditResult:
    """Check and verify an edited test; store it only when both pass."""
    try:
        item = edited_item(stored.item, text)
    except UsageError as exc:
        return EditResult(False, [str(exc)])
    if item == stored.item:
        return EditResult(False, [])
    proposal = stored.to_proposal().model_copy(update={"item": item, "findings": []})
    errors = [f for f in findings_of(proposal, project.spec, project.redactor) if f.severity == "error"]
    if not errors:
        errors = _verify(project, proposal)
    if errors:
        return EditResult(False, [f"{f.code}: {f.message}" for f in errors])
    store.store_results(stored.run_id, [proposal])
    store.audit(stored.run_id, "review-edit", {"proposal": stored.id, "actor": who})
    return EditResult(True, [])


def _verify(project: Project, proposal: Proposal) -> list[Finding]:
    """The edited test in the sandbox, as the run verified it (the target, else a mock)."""
    runner = project.runner
    if runner is None:
        return []
    job = project.job
    result = runner.verify(job.collection([proposal], project.spec), project.spec, job.runs)
    if result.skipped_reason or proposal.id in result.passed:
        return []
    found = result.findings.get(proposal.id) or []
    return found or [Finding(severity="error", code="verify-failed", message="did not pass every run")]
