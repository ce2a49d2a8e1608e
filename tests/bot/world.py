"""The PR bot under test: a real uvicorn server on 127.0.0.1, answering into the GitHub stand-in
(used by tests/bot and evals/bot)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from agent.bot.app import create_app
from agent.config import load_settings
from tests.bot import payloads
from tests.github.standin.control import GitHubStandIn

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "agent" / "examples" / "demo"
REPO = "acme/petstore-api"
SPEC = "openapi/petstore.yaml"
BOT = "postwright-bot"


class Server:
    """uvicorn serving the bot's app in a thread, on a free port."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the bot's server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()


@dataclass
class World:
    """A pull request changing the bundled example's spec, the bot, and ways to talk to it."""

    github: GitHubStandIn
    root: Path
    secret: str
    number: int = 0
    servers: list[Server] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.servers[-1].url

    def start(self, *, run_workers: bool = True) -> Server:
        settings = load_settings(config=self.root / "postwright.toml")
        self.servers.append(Server(create_app(settings, run_workers=run_workers)))
        return self.servers[-1]

    def stop(self) -> None:
        self.servers[-1].stop()

    def send(
        self,
        event: str,
        payload: dict[str, Any] | bytes,
        *,
        delivery: str | None = None,
        secret: str | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        key = (self.secret if secret is None else secret).encode()
        sig = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest() if signature is None else signature
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": sig,
            "User-Agent": "GitHub-Hookshot/test",
        }
        if not sig:  # signature="": no header at all
            del headers["X-Hub-Signature-256"]
        return httpx.post(f"{self.url}/webhooks/github", content=body, headers=headers, timeout=30)

    def comment(
        self, user: str, body: str, *, number: int | None = None, user_type: str = "User"
    ) -> dict[str, Any]:
        """The person writes ``body`` on the PR (in the stand-in); GitHub's delivery of it."""
        n = number or self.number
        token = self.github.token_for(user)
        answer = httpx.post(
            f"{self.github.url}/repos/{REPO}/issues/{n}/comments",
            json={"body": body},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        answer.raise_for_status()
        return payloads.pr_comment(
            REPO, n, body, user=user, user_type=user_type, comment_id=answer.json()["id"]
        )

    def sticky(self, number: int | None = None) -> list[str]:
        """Bodies of the bot's comments on the PR."""
        return [c.body for c in self.github.comments(REPO, number or self.number) if c.user.login == BOT]

    def wait(self, done: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "the bot did not finish in time"
            time.sleep(0.05)

    def idle(self) -> bool:
        metrics = httpx.get(f"{self.url}/metrics", timeout=10).text
        line = next(x for x in metrics.splitlines() if x.startswith("postwright_bot_queue_depth "))
        return float(line.split()[1]) == 0


def open_pull(hub: GitHubStandIn, by: str, branch: str, spec: bytes) -> int:
    """``by`` pushes ``spec`` to ``branch`` and opens a pull request of it."""
    hub.push(REPO, branch, {SPEC: spec}, by=by, message="Change the API")
    answer = httpx.post(
        f"{hub.url}/repos/{REPO}/pulls",
        json={"title": "Change the API", "head": branch, "base": "main", "body": "API change"},
        headers={"Authorization": f"Bearer {hub.token_for(by)}"},
        timeout=10,
    )
    answer.raise_for_status()
    return int(answer.json()["number"])


def prepare(hub: GitHubStandIn, root: Path, *, sandbox: bool = False) -> tuple[World, dict[str, str]]:
    """A repository whose PR changes the bundled example's spec, people with roles, the bot's config
    in ``root``; and the environment the bot needs (its webhook secret, its token)."""
    old = (DEMO / "specs" / "petstore-v1.yaml").read_bytes()
    new = (DEMO / "specs" / "petstore-v2.yaml").read_bytes()
    hub.create_repo(REPO, files={SPEC: old, "README.md": "# petstore\n"})
    hub.grant(REPO, BOT, "write")
    for login, role in (
        ("maintainer", "maintain"),
        ("writer", "write"),
        ("reader", "read"),
        ("admin", "admin"),
    ):
        hub.grant(REPO, login, role)
    secret = secrets.token_hex(16)
    env = {"POSTWRIGHT_BOT__WEBHOOK_SECRET": secret, "PW_TEST_BOT_TOKEN": hub.token_for(BOT)}
    root.mkdir(parents=True)
    (root / "postwright.toml").write_text(
        f'state_dir = ".pw"\n[sandbox]\nenabled = {"true" if sandbox else "false"}\n'
        f'[publish]\nhost = "github"\napi_url = "{hub.url}"\ntoken_env = "PW_TEST_BOT_TOKEN"\n'
        'collection = "collections/api.postman_collection.json"\nmax_wait = 5\n'
        '[bot]\nspec_paths = ["openapi/*.yaml"]\nworkers = 2\nmax_queue = 20\n'
    )
    found = World(hub, root, secret)
    found.number = open_pull(hub, "writer", "api-change", new)
    return found, env
