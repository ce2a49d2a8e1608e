"""What the provider tests build: two APIs (specs, a git repository holding the merged collection,
a config publishing to the GitHub stand-in), their targets (real HTTP servers on 127.0.0.1, one
broken) and the Connections."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.json_server import JsonHandler, serve


def spec(noun: str, *, new: bool) -> dict[str, Any]:
    """``GET /{noun}s/{id}``; the new revision adds ``GET /{noun}s`` and a property (the diff)."""
    item: dict[str, Any] = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
    if new:
        item["properties"]["tag"] = {"type": "string"}
    one = {
        "get": {
            "operationId": f"get_{noun}",
            "parameters": [
                {
                    "name": f"{noun}Id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                    "example": 1,
                }
            ],
            "responses": {
                "200": {"description": "one", "content": {"application/json": {"schema": item}}},
                "404": {"description": "none"},
            },
        }
    }
    paths: dict[str, Any] = {f"/{noun}s/{{{noun}Id}}": one}
    if new:
        listed = {"type": "array", "items": item}
        paths[f"/{noun}s"] = {
            "get": {
                "operationId": f"list_{noun}s",
                "responses": {
                    "200": {"description": "all", "content": {"application/json": {"schema": listed}}}
                },
            }
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": noun, "version": "2" if new else "1"},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }


def merged_collection(noun: str) -> dict[str, Any]:
    """What the team merged earlier: one hand-written test of ``GET /{noun}s/1``."""
    test = 'pm.test("status is 200", function () { pm.response.to.have.status(200); });'
    return {
        "info": {
            "name": noun,
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "auth": {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}],
        },
        "item": [
            {
                "id": f"team-get-{noun}",
                "name": f"get {noun} 1",
                "request": {"method": "GET", "url": f"{{{{baseUrl}}}}/{noun}s/1"},
                "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": [test]}}],
            }
        ],
    }


class Target:
    """An API on 127.0.0.1 that wants ``Bearer <token>``; a broken one answers 500 for every object."""

    def __init__(self, noun: str, token: str, *, broken: bool) -> None:
        self.noun, self.token, self.broken = noun, token, broken
        self.seen: list[str] = []  # Authorization headers received
        owner = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                owner.seen.append(self.headers.get("Authorization", ""))
                if self.headers.get("Authorization") != f"Bearer {owner.token}":
                    return self.send_json(401, {"error": "unauthorized"})
                if re.fullmatch(rf"/{owner.noun}s/\d+", self.path):
                    if owner.broken:
                        return self.send_json(500, {"error": "database unavailable"})
                    return self.send_json(
                        200, {"id": int(self.path.rsplit("/", 1)[1]), "name": "x", "tag": "t"}
                    )
                if self.path == f"/{owner.noun}s":
                    return self.send_json(200, [{"id": 1, "name": "x", "tag": "t"}])
                return self.send_json(404, {"error": "not found"})

        self.server, self.url = serve(Handler)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Api:
    """One API's workspace: its config, the repository of its tests, its target."""

    name: str
    root: Path
    target: Target

    @property
    def config(self) -> Path:
        return self.root / "postwright.toml"

    @property
    def collection(self) -> str:
        """Its collection file: one per API, so one pull request per API on ``postwright/<name>``."""
        return f"collections/{self.name}.postman_collection.json"

    @property
    def branch(self) -> str:
        return f"postwright/{self.name}"

    @property
    def repo(self) -> Path:
        """The local repository the check reads the merged collection from."""
        return self.root / "tests-repo"

    @property
    def state(self) -> Path:
        return self.root / ".postwright"

    def entry(self) -> dict[str, Any]:
        """Its entry in the Variable ``postwright_apis`` (no secret)."""
        return {
            "name": self.name,
            "config": str(self.config),
            "target_conn_id": f"{self.name}_target",
            "repo": str(self.repo),
            "collection": self.collection,
        }

    def branches(self) -> dict[str, str]:
        """postwright's branches in the repository and their commits."""
        out = git(
            self.repo, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/postwright"
        )
        return dict(line.split() for line in out.splitlines())

    def collection_on(self, branch: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(git(self.repo, "show", f"{branch}:{self.collection}"))
        return loaded


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def _publish(api: Api, github: tuple[str, str] | None) -> str:
    where = 'host = "local"\nrepo = "tests-repo"\n'
    if github is not None:
        where = f'host = "github"\napi_url = "{github[0]}"\nrepo = "{github[1]}"\nlabels = ["api-tests"]\n'
        where += "max_wait = 5\n"
    return f'{where}collection = "{api.collection}"\n'


def make_api(
    root: Path,
    noun: str,
    target: Target,
    *,
    airflow_url: str,
    sandbox: Path,
    github: tuple[str, str] | None = None,
) -> Api:
    """Specs, the config and a repository whose main holds the merged collection. Proposals go to
    that repository, or with ``github`` (the stand-in's API root, ``owner/name``) to pull requests
    there (no token in the config: the postwright Connection has it)."""
    api = Api(f"{noun}s", root, target)
    root.mkdir(parents=True)
    (root / "old.yaml").write_text(yaml.safe_dump(spec(noun, new=False)))
    (root / "new.yaml").write_text(yaml.safe_dump(spec(noun, new=True)))
    # [airflow] has no secret: postwright's Airflow user and password come from the postwright Connection.
    api.config.write_text(
        f'spec = "new.yaml"\nbase = "old.yaml"\nstate_dir = ".postwright"\n\n'
        f'[airflow]\nurl = "{airflow_url}"\ndag_ids = ["postwright_nightly"]\n\n'
        f"[publish]\n{_publish(api, github)}\n"
        f'[sandbox]\nruns = 1\ndir = "{sandbox}"\n'
    )
    repo = api.repo
    (repo / "collections").mkdir(parents=True)
    (repo / api.collection).write_text(json.dumps(merged_collection(noun), indent=2))
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    git(repo, "-c", "user.name=team", "-c", "user.email=team@example.test", "add", ".")
    git(
        repo,
        "-c",
        "user.name=team",
        "-c",
        "user.email=team@example.test",
        "commit",
        "-q",
        "-m",
        "merged tests",
    )
    return api
