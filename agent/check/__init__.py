"""Validate: every proposal, whatever produced it, against the spec and the Postman v2.1 schema."""

from agent.check.collection import check_collection
from agent.check.proposal import check_proposal
from agent.check.spec_context import SpecContext

__all__ = ["SpecContext", "check_collection", "check_proposal"]
