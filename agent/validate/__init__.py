"""Validate: every proposal, whatever produced it, against the spec and the Postman v2.1 schema."""

from agent.validate.collection import check_collection
from agent.validate.context import SpecContext
from agent.validate.proposal import check_proposal

__all__ = ["SpecContext", "check_collection", "check_proposal"]
