"""Structural diff of two OpenAPI documents into changes named by oasdiff's rule ids (pure)."""

from agent.diff.engine import cap_changes, diff_capped, diff_documents, diff_specs

__all__ = ["cap_changes", "diff_capped", "diff_documents", "diff_specs"]
