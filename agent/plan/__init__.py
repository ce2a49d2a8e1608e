"""Plan: diff changes and log signals become test intents with provenance (pure)."""

from agent.plan.planner import plan

__all__ = ["plan"]
