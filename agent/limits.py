"""Bounds on the work one hostile input can cause: the ``[limits]`` settings section.

A spec is ordinary input, so its size must not decide how long a run takes: an enum of
30,000 values once became 150,020 changes and never finished planning. Each limit turns an
overflow into a summary (one change for many enum values) or a cap with a one-line notice
saying what was left out, never a silent drop and never a traceback.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Limits(BaseModel):
    """How much work one run may do; every overflow is summarised and reported."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_enum_values: int = Field(
        default=100,
        ge=1,
        description="enum values added or removed at one schema that are listed one change each; "
        "more become one summary change per direction",
    )
    max_changes: int = Field(
        default=20_000, ge=1, description="changes planned per run (errors first); the rest are reported"
    )
    max_intents_per_operation: int = Field(
        default=50, ge=1, description="test intents per operation; the rest are reported"
    )


DEFAULT_LIMITS = Limits()
