"""The ASGI app: ``POST /webhooks/github``, ``GET /healthz``, ``GET /metrics`` (Starlette)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from agent.bot import signature
from agent.bot.handle import Handler, HostFactory, github_host
from agent.bot.intake import job_of
from agent.bot.metrics import CONTENT_TYPE_LATEST, Metrics
from agent.bot.queue import BotQueue
from agent.bot.workers import Workers
from agent.config import Settings
from agent.errors import ConfigError
from agent.store import SQLiteStore, open_store

MAX_BODY = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB; more is not GitHub
SECRET_ENV = "POSTWRIGHT_BOT__WEBHOOK_SECRET"
log = logging.getLogger("postwright.bot")


class Bot:
    """The app's parts: secret, store, queue, workers, metrics."""

    def __init__(
        self, settings: Settings, store: SQLiteStore, hosts: HostFactory, *, run_workers: bool
    ) -> None:
        secret = settings.bot.webhook_secret
        if secret is None or not secret.get_secret_value():
            raise ConfigError(f"the PR bot needs a webhook secret: set {SECRET_ENV}")
        self.secret = secret.get_secret_value().encode()
        self.settings, self.store = settings, store
        self.queue = BotQueue(store)
        self.metrics = Metrics()
        self.handler = Handler(settings, store, hosts)
        self.workers = Workers(
            self.queue, self.handler, settings.bot.workers if run_workers else 0, self.metrics
        )

    def refuse(self, status: int, why: str) -> Response:
        """A refused delivery, counted and logged (GitHub shows the status in its delivery log)."""
        self.metrics.deliveries.labels(why.replace(" ", "_")).inc()
        log.info("delivery refused", extra={"status": status, "reason": why})
        return JSONResponse({"message": why}, status_code=status)

    async def webhook(self, request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared and (not declared.isdigit() or int(declared) > MAX_BODY):
            return self.refuse(413, "too large")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return self.refuse(413, "too large")
        if not signature.valid(self.secret, bytes(body), request.headers.get("x-hub-signature-256")):
            return self.refuse(401, "bad signature")
        event = request.headers.get("x-github-event", "")
        delivery = request.headers.get("x-github-delivery", "")
        if not delivery or len(delivery) > 100:
            return self.refuse(400, "no delivery id")
        try:
            payload = json.loads(body)
        except ValueError:
            return self.refuse(400, "not json")
        found = job_of(event, payload)
        if found is None:
            self.metrics.deliveries.labels("ignored").inc()
            return Response(status_code=204)
        pull, job = found
        outcome = await run_in_threadpool(
            self.queue.accept, delivery, event, pull, job, self.settings.bot.max_queue
        )
        self.metrics.deliveries.labels(outcome).inc()
        log.info("delivery", extra={"delivery": delivery, "pull": pull, "outcome": outcome})
        if outcome == "full":
            return JSONResponse({"message": "queue full"}, status_code=503, headers={"Retry-After": "60"})
        if outcome == "duplicate":
            return JSONResponse({"message": "seen already"}, status_code=200)
        self.workers.wake()
        return JSONResponse({"message": "queued"}, status_code=202)

    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def metrics_text(self, request: Request) -> Response:
        counts = await run_in_threadpool(self.queue.counts)
        self.metrics.queued.set(counts.get("queued", 0) + counts.get("running", 0))
        return Response(self.metrics.text(), media_type=CONTENT_TYPE_LATEST)


def create_app(
    settings: Settings, *, hosts: HostFactory | None = None, run_workers: bool = True
) -> Starlette:
    """The bot as an ASGI app; workers start and stop with the app's lifespan."""
    store = open_store(settings.state_path, settings.state_url)
    bot = Bot(settings, store, hosts or github_host(settings), run_workers=run_workers)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        bot.workers.start()
        try:
            yield
        finally:
            await run_in_threadpool(bot.workers.stop)
            bot.handler.pool.shutdown(wait=True, cancel_futures=True)
            store.close()

    app = Starlette(
        routes=[
            Route("/webhooks/github", bot.webhook, methods=["POST"]),
            Route("/healthz", bot.healthz, methods=["GET"]),
            Route("/metrics", bot.metrics_text, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.bot = bot
    return app
