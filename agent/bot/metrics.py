"""The bot's Prometheus metrics (``GET /metrics``), one registry per app."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    """Deliveries by outcome, jobs by outcome, job durations, queue depth."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "postwright_bot_deliveries", "Webhook deliveries by outcome", ["outcome"], registry=self.registry
        )
        self.jobs = Counter(
            "postwright_bot_jobs", "Jobs finished by outcome", ["outcome"], registry=self.registry
        )
        self.duration = Histogram(
            "postwright_bot_job_seconds",
            "Time a job took",
            buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
            registry=self.registry,
        )
        self.queued = Gauge("postwright_bot_queue_depth", "Jobs queued or running", registry=self.registry)

    def text(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)
