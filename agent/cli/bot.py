"""`postwright bot serve`: the PR bot's webhook server (agent/bot)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    help="The PR bot: answers /postwright commands in pull-request comments.", no_args_is_help=True
)


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8080,
) -> None:
    """Receive GitHub webhooks on POST /webhooks/github (secret: POSTWRIGHT_BOT__WEBHOOK_SECRET)."""
    import uvicorn

    from agent.bot import logs
    from agent.bot.app import create_app
    from agent.cli.context import settings_from

    settings = settings_from(ctx)
    logs.configure()
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)
