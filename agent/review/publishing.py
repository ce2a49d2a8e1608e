"""Publishing the accepted tests through the configured publisher, then marking them published."""

from __future__ import annotations

from collections.abc import Sequence

from agent.models import PublishResult, fingerprint
from agent.ports import ChangeSet
from agent.publish.prbody import PrBodyData, render_pr_body
from agent.review.project import Project
from agent.store import SQLiteStore


def publish(store: SQLiteStore, project: Project, ids: Sequence[str], who: str) -> PublishResult:
    """One change set of the accepted tests ``ids``; each becomes ``published`` once it is out."""
    stored = [s for i in ids if (s := store.proposal(i)) is not None]
    proposals = [s.to_proposal() for s in stored]
    key = fingerprint("review", sorted(p.id for p in proposals))
    title = f"postwright: {len(proposals)} reviewed tests"
    body = render_pr_body(PrBodyData.build(title=title, change_set_key=key, proposals=proposals))
    collection = project.job.collection(proposals, project.spec)
    result = project.publisher.publish(ChangeSet(key, title, collection, body, proposals))
    out = set(result.proposed) if result.proposed is not None else {p.id for p in proposals}
    for p in proposals:  # a branch a person took over (result.stopped) publishes none: they stay accepted
        if p.id in out:
            store.set_status(p.id, "published", actor=who, reason=f"published from review: {result.branch}")
    return result
