"""Every OpenAPI security scheme, end to end: generate from a spec per scheme, then run the
collection with newman (``verify --target``) against a loopback API that checks the credential
arrives where the scheme puts it. The credential is made at test time and reaches newman through
the runner's credential path (``--token-env``); the collection only names ``{{variables}}``."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from agent.cli.main import main
from agent.runner.sandbox import default_sandbox_dir
from tests.runner.runner_helpers import LoopbackServer

TOKEN_ENV = "PW_E2E_CREDENTIAL"
Reader = Callable[[Any], str | None]  # request handler -> the credential it carries (None: absent)


@dataclass(frozen=True)
class Case:
    """A security scheme as a spec declares it, and where the API reads the credential."""

    scheme: dict[str, Any]
    read: Reader
    swagger2: bool = False
    basic: bool = False  # the run-time credential is the base64 user:password pair


def _header(name: str, prefix: str = "") -> Reader:
    def read(h: Any) -> str | None:
        value = h.headers.get(name)
        return value.removeprefix(prefix) if value is not None and value.startswith(prefix) else None

    return read


def _query(name: str) -> Reader:
    return lambda h: (parse_qs(urlsplit(h.path).query).get(name) or [None])[0]


def _cookie(name: str) -> Reader:
    def read(h: Any) -> str | None:
        jar: SimpleCookie = SimpleCookie(h.headers.get("Cookie") or "")
        return jar[name].value if name in jar else None

    return read


def _api_key(where: str, name: str) -> dict[str, Any]:
    return {"type": "apiKey", "in": where, "name": name}


CASES = {
    # an API keyed by a header whose name says nothing of credentials (issue 16's `project_id`)
    "apikey-header-plain-name": Case(_api_key("header", "project_id"), _header("project_id")),
    "apikey-header-x-api-key": Case(_api_key("header", "X-API-Key"), _header("X-API-Key")),
    "apikey-header-authorization": Case(_api_key("header", "Authorization"), _header("Authorization")),
    "apikey-query": Case(_api_key("query", "key"), _query("key")),
    "apikey-query-plain-name": Case(_api_key("query", "project"), _query("project")),
    "apikey-cookie": Case(_api_key("cookie", "app_key"), _cookie("app_key")),
    "http-bearer": Case({"type": "http", "scheme": "bearer"}, _header("Authorization", "Bearer ")),
    "http-basic": Case({"type": "http", "scheme": "basic"}, _header("Authorization", "Basic "), basic=True),
    "oauth2": Case(
        {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": "https://auth.example.com/token", "scopes": {}}},
        },
        _header("Authorization", "Bearer "),
    ),
    "openidconnect": Case(
        {"type": "openIdConnect", "openIdConnectUrl": "https://auth.example.com/.well-known/openid"},
        _header("Authorization", "Bearer "),
    ),
    "swagger2-apikey-header": Case(_api_key("header", "tenant"), _header("tenant"), swagger2=True),
    "swagger2-apikey-query": Case(_api_key("query", "token"), _query("token"), swagger2=True),
    "swagger2-basic": Case({"type": "basic"}, _header("Authorization", "Basic "), swagger2=True, basic=True),
    "swagger2-oauth2": Case(
        {"type": "oauth2", "flow": "application", "tokenUrl": "https://auth.example.com/t", "scopes": {}},
        _header("Authorization", "Bearer "),
        swagger2=True,
    ),
}

_THING = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}


def spec_for(case: Case) -> dict[str, Any]:
    """One GET operation behind the case's scheme (global security), 200 or 401."""
    if case.swagger2:
        return {
            "swagger": "2.0",
            "info": {"title": "Keyed", "version": "1"},
            "produces": ["application/json"],
            "securityDefinitions": {"cred": case.scheme},
            "security": [{"cred": []}],
            "paths": {
                "/things": {
                    "get": {
                        "operationId": "listThings",
                        "responses": {"200": {"description": "ok", "schema": _THING}},
                    }
                }
            },
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Keyed", "version": "1"},
        "components": {"securitySchemes": {"cred": case.scheme}},
        "security": [{"cred": []}],
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": _THING}}}
                    },
                }
            }
        },
    }


@pytest.fixture(scope="module")
def sandbox() -> Path:
    folder = default_sandbox_dir()
    if not (folder / "node_modules" / ".bin" / "newman").exists():
        pytest.skip("newman is not installed in sandbox/ (run `make sandbox`)")
    return folder


@pytest.fixture
def api() -> Iterator[Callable[[Reader, str], LoopbackServer]]:
    servers: list[LoopbackServer] = []

    def start(read: Reader, expected: str) -> LoopbackServer:
        def things(h: Any) -> tuple[int, Any]:
            return (200, {"ok": True}) if read(h) == expected else (401, {"error": "no credential"})

        servers.append(LoopbackServer({"/things": things}))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _generate(spec: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    out = tmp_path / "tests.json"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "--state-dir",
                str(tmp_path / "state"),
                "generate",
                "--spec",
                str(tmp_path / "spec.json"),
                "-o",
                str(out),
            ]
        )
    err = capsys.readouterr().err
    assert done.value.code == 0, err
    assert "request-secret-in-data" not in err
    collection: dict[str, Any] = json.loads(out.read_text())
    return collection


def _leaves(items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield from _leaves(item["item"]) if "item" in item else [item]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_scheme_generates_runnable_tests_with_the_credential_in_place(
    name: str,
    sandbox: Path,
    api: Callable[[Reader, str], LoopbackServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = CASES[name]
    collection = _generate(spec_for(case), tmp_path, capsys)
    requests = [leaf["request"] for leaf in _leaves(collection["item"])]
    assert requests, "no test kept"
    if case.basic:
        credential = base64.b64encode(f"u{secrets.token_hex(4)}:{secrets.token_hex(12)}".encode()).decode()
    else:
        credential = "k" + secrets.token_hex(16)
    monkeypatch.setenv(TOKEN_ENV, credential)
    server = api(case.read, credential)
    report = tmp_path / "report.json"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "verify", str(tmp_path / "tests.json"), "--target", server.url, "--runs", "1",
                "--sandbox-dir", str(sandbox), "--token-env", TOKEN_ENV, "--format", "json",
            ]
        )  # fmt: skip
    out, err = capsys.readouterr()
    report.write_text(out)
    data = json.loads(out)
    assert done.value.code == 0, (err, [i["reasons"] for i in data["items"]])
    assert data["items"] and all(i["status"] == "passed" for i in data["items"])
    assert server.calls.get("/things", 0) >= len(requests)
    # the credential never sits in the collection, the output or the report
    assert credential not in (tmp_path / "tests.json").read_text() + out + err
