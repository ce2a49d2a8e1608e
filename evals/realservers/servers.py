"""The real API servers of issue 17: which package, which two versions, and how each one starts.

A server is a PyPI package installed per version into its own venv under
``$XDG_CACHE_HOME/postwright-evals/servers`` (see launch.py). Chosen because each publishes
its own OpenAPI description from the running server, starts on 127.0.0.1 in seconds on two
cores, and changes its API between the two versions; the rejected candidates and why are in
README.md beside this file.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# (venv bin folder, port, work folder) -> the command line that serves the API
Command = Callable[[Path, int, Path], list[str]]


@dataclass(frozen=True)
class Server:
    """One installable API server: package, versions, start command, where its spec is served."""

    name: str
    requirement: str  # pip requirement without the version, e.g. "glances[web]"
    old: str
    new: str
    command: Command
    ready_path: str  # answers 200 once the API serves
    spec_path: str  # the published OpenAPI description
    api_root: str = ""  # appended to http://127.0.0.1:PORT to make {{baseUrl}}
    pins: dict[str, list[str]] = field(default_factory=dict)  # version -> extra pip requirements
    env: dict[str, str] = field(default_factory=dict)
    # what a user of this deployment writes in [variables]: values real on both releases
    variables: dict[str, str] = field(default_factory=dict)
    allow: list[str] = field(default_factory=list)  # destructive operations that user allows
    notes: str = ""

    def requirements(self, version: str) -> list[str]:
        """What pip installs for VERSION: the package pinned, plus any transitive pins it needs."""
        return [f"{self.requirement}=={version}", *self.pins.get(version, [])]


def _glances(bin_dir: Path, port: int, work: Path) -> list[str]:
    # -w: the REST API (FastAPI); no web UI; a config folder of its own so no user config is read
    conf = work / "glances.conf"
    conf.write_text("[global]\ncheck_update=false\n")
    return [
        str(bin_dir / "glances"),
        "-C",
        str(conf),
        "-w",
        "--disable-webui",
        "-B",
        "127.0.0.1",
        "-p",
        str(port),
    ]


def _prefect(bin_dir: Path, port: int, work: Path) -> list[str]:
    return [str(bin_dir / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]


def _prefect_env(work: Path) -> dict[str, str]:
    """Prefect keeps its sqlite database and settings in PREFECT_HOME: one per run, no telemetry."""
    return {
        "PREFECT_HOME": str(work / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }


def _phoenix(bin_dir: Path, port: int, work: Path) -> list[str]:
    # the OTLP gRPC collector binds a port of its own (default 4317): one per run, so two
    # releases can serve side by side
    grpc = free_port()
    return [
        "env",
        f"PHOENIX_PORT={port}",
        f"PHOENIX_GRPC_PORT={grpc}",
        str(bin_dir / "phoenix"),
        "serve",
    ]


def free_port() -> int:
    """A port nothing listens on right now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SERVERS: dict[str, Server] = {
    "glances": Server(
        name="glances",
        requirement="glances[web]",
        old="4.0.8",
        new="4.3.3",
        command=_glances,
        ready_path="/api/4/status",
        spec_path="/openapi.json",
        # its responses are schema-less ({}), so nothing can be discovered from them
        variables={"plugin": "network", "item": "interface_name", "value": "lo", "key": "lo", "pid": "1"},
        allow=["POST /api/4/events/clear/warning"],  # listed: runs; clear/all is not: never runs
        notes="system monitor; 23 -> 33 operations; ids (plugin, item, pid) come from list endpoints;"
        " POST /api/4/events/clear/* is destructive",
    ),
    "prefect": Server(
        name="prefect",
        requirement="prefect",
        old="3.0.11",
        new="3.4.25",
        command=_prefect,
        ready_path="/api/health",
        spec_path="/api/openapi.json",
        api_root="/api",
        # today's resolver picks releases these two predate (pydantic, fastapi, sqlalchemy 2.1
        # break them at import); 3.4.25 also imports importlib_metadata without declaring it
        pins={
            "3.0.11": [
                "pydantic<2.10",
                "fastapi<0.116",
                "starlette<0.47",
                "sqlalchemy<2.1",
                "uvicorn<0.35",
                "httpx<0.29",
            ],
            "3.4.25": [
                "fastapi<0.120",
                "starlette<0.49",
                "sqlalchemy<2.1",
                "pydantic<2.13",
                "importlib-metadata",
            ],
        },
        notes="workflow server on sqlite; objects are found by POST .../filter;"
        " POST /api/admin/database/clear and /drop wipe the database",
    ),
    "phoenix": Server(
        name="phoenix",
        requirement="arize-phoenix",
        old="16.0.0",
        new="20.26.1",
        command=_phoenix,
        ready_path="/healthz",
        spec_path="/openapi.json",
        # today's resolver picks graphql-core 3.3 (strawberry 0.3xx fails at import) and
        # pydantic-ai 2 (MCPServerStreamableHTTP removed) for the older release
        pins={"16.0.0": ["graphql-core<3.3", "pydantic-ai-slim[anthropic,bedrock,google,mcp,openai,ui]<2"]},
        # ids are global ids ("DatasetLabel:1", base64) that seed.py makes the same on both
        # releases; the session id's variable has a neutral name (session_id reads as a credential)
        variables={"label_id": "RGF0YXNldExhYmVsOjE=", "param_91cded": "QWdlbnRTZXNzaW9uOjE="},
        env={
            "PHOENIX_HOST": "127.0.0.1",
            "PHOENIX_TELEMETRY_ENABLED": "false",
        },
        notes="LLM tracing and evaluation server on sqlite; 69 -> 114 operations; datasets, labels,"
        " splits, experiments and agent sessions are seeded (seed.py); the API-key lists answer 403"
        " with authentication off",
    ),
}


def env_for(server: Server, work: Path) -> dict[str, str]:
    """Extra environment for one run of SERVER in WORK (its state lives there)."""
    extra = dict(server.env)
    if server.name == "prefect":
        extra.update(_prefect_env(work))
    if server.name == "phoenix":
        extra["PHOENIX_WORKING_DIR"] = str(work / "phoenix-home")
    return extra
