"""What review needs from the project, loaded once and only when first used: the spec (redacted
as a run redacts it), the job that renders collections, the runner and the publisher."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from agent.errors import ConfigError

if TYPE_CHECKING:
    from agent.boundary.inbound.redact import Redactor
    from agent.boundary.sealed import SanitizedSpec
    from agent.config import Settings
    from agent.pipeline import Job
    from agent.ports import Publisher, Runner


class Project:
    """The configured project as review sees it; ``spec`` falls back to the run's own spec."""

    def __init__(self, settings: Settings, run_spec: str | None = None) -> None:
        self.settings = settings
        self.run_spec = run_spec

    @cached_property
    def redactor(self) -> Redactor:
        """A fresh key, as a run has: the spec and edits are redacted as the run redacted them."""
        from agent.boundary.inbound.redact import Redactor

        return Redactor()

    @cached_property
    def spec(self) -> SanitizedSpec:
        from agent import wiring
        from agent.boundary.inbound.sanitize import sanitize_spec

        ref = self.settings.spec or self.run_spec
        if not ref:
            raise ConfigError(
                "no spec configured: set spec in postwright.toml (review checks edits against it)"
            )
        return sanitize_spec(self.redactor, wiring.SpecLoader(self.settings).load(ref))

    @cached_property
    def job(self) -> Job:
        from agent import wiring

        settings = self.settings
        if not settings.spec:
            settings = settings.model_copy(update={"spec": self.run_spec})
        return wiring.job(settings, kind="review")

    @cached_property
    def runner(self) -> Runner | None:
        """The configured runner: the target when one is set, else a mock of the spec."""
        from agent import wiring

        return wiring.runner(self.settings)

    @cached_property
    def publisher(self) -> Publisher:
        from agent import wiring

        publisher = wiring.publisher(self.settings)
        if publisher is None:
            raise ConfigError("no publisher configured: set [publish] repo in postwright.toml")
        return publisher
