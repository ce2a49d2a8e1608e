"""Publishing: merge collections, render PR bodies, commit to a branch.

Public API: :func:`merge_collection`, :func:`render_pr_body` with :class:`PrBodyData`,
and :class:`LocalGitPublisher` (an :class:`agent.ports.Publisher`).
"""

from __future__ import annotations

from agent.publish.local import LocalGitPublisher, branch_name
from agent.publish.merge import dump_collection, is_postwright_item, merge_collection
from agent.publish.prbody import PrBodyData, render_pr_body

__all__ = [
    "LocalGitPublisher",
    "PrBodyData",
    "branch_name",
    "dump_collection",
    "is_postwright_item",
    "merge_collection",
    "render_pr_body",
]
