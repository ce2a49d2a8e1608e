"""Structural diff of two OpenAPI documents into changes named by oasdiff's rule ids (pure)."""

from agent.diff.engine import diff_documents, diff_specs

__all__ = ["diff_documents", "diff_specs"]
