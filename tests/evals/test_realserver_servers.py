"""The real servers' definitions (evals/realservers): what each installs, how it starts, what a
user of it gives in [variables], and that the seed tolerates an older release's missing routes.
No server is installed here (Phoenix takes ~2 min a release: eval-only, README.md)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent.generate import variables
from evals.realservers.seed import _post_if_served
from evals.realservers.servers import SERVERS, env_for


def test_three_servers_each_in_two_releases_with_their_pins() -> None:
    assert set(SERVERS) == {"glances", "prefect", "phoenix"}
    for server in SERVERS.values():
        assert server.old != server.new
        assert server.requirements(server.new)[0] == f"{server.requirement}=={server.new}"
    old = SERVERS["phoenix"].requirements("16.0.0")
    assert old[0] == "arize-phoenix==16.0.0" and any(r.startswith("graphql-core<") for r in old)


def test_two_phoenix_releases_serve_side_by_side(tmp_path: Path) -> None:
    server = SERVERS["phoenix"]
    first, second = (server.command(tmp_path / "bin", port, tmp_path) for port in (7001, 7002))
    assert "PHOENIX_PORT=7001" in first and "PHOENIX_PORT=7002" in second
    grpc = [next(a for a in c if a.startswith("PHOENIX_GRPC_PORT=")) for c in (first, second)]
    assert grpc[0] != grpc[1] and "PHOENIX_GRPC_PORT=4317" not in grpc  # never the shared default
    assert env_for(server, tmp_path)["PHOENIX_WORKING_DIR"] == str(tmp_path / "phoenix-home")
    assert server.env["PHOENIX_HOST"] == "127.0.0.1"


def _names(paths: dict[str, str]) -> dict[str, str]:
    """The variable postwright names for each path's one parameter."""
    doc: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    for path, param in paths.items():
        spec = {"name": param, "in": "path", "required": True, "schema": {"type": "string"}}
        doc["paths"][path] = {"get": {"parameters": [spec], "responses": {"200": {"description": "ok"}}}}
    table = variables.table(doc)
    return {path: table.by_param[("get", path, "path", param)].name for path, param in paths.items()}


def test_phoenix_variables_name_the_collections_own_variables() -> None:
    # vars mode gives these by the names the generator writes into the collection; a renamed
    # variable would silently drop them (and the added reads they reach would skip)
    names = _names(
        {"/v1/dataset_labels/{label_id}": "label_id", "/v1/agent_sessions/{session_id}": "session_id"}
    )
    assert set(SERVERS["phoenix"].variables) == set(names.values())
    assert all(variables.usable_name(n) for n in SERVERS["phoenix"].variables)


class _Absent(BaseHTTPRequestHandler):
    """An older release: every POST is answered with one status (the class attribute)."""

    status = 404

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"data": {"id": "x"}}' if self.status == 200 else b'{"detail": "Not Found"}'
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Absent)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(("status", "expected"), [(404, None), (405, None), (200, {"data": {"id": "x"}})])
def test_the_seed_skips_what_an_older_release_does_not_serve(
    server: ThreadingHTTPServer, status: int, expected: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_Absent, "status", status)
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/dataset_labels"
    assert _post_if_served(url, {"name": "golden"}) == expected


def test_the_seed_still_fails_on_a_real_error(
    server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.error

    monkeypatch.setattr(_Absent, "status", 422)
    with pytest.raises(urllib.error.HTTPError):
        _post_if_served(f"http://127.0.0.1:{server.server_address[1]}/v1/datasets", {})
