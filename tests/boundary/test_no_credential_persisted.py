"""No credential persisted or printed: spec URLs, Airflow URLs, config values and log paths.

Every secret is made at run time and planted where a user or an attacker would put it: a
spec URL's userinfo and ``?access_token=``, ``${VAR}``-expanded passwords in the config, and
secret-shaped Airflow run and task ids in the log layout. After ``postwright run`` (published
to a local repo), ``generate``, ``config show`` and a failing fetch, every byte written (the
state DB with its WAL, the PR body, the collection, git history) and all console output are
searched: no planted value may appear anywhere.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent import demo

_ALNUM = string.ascii_letters + string.digits


def _rand(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def path_canaries() -> dict[str, str]:
    """Secret-shaped ids, each glued to an Airflow run-type prefix as a manual trigger would."""
    return {
        "stripe-in-run-id": "sk_live_" + secrets.token_hex(12),
        "github-pat-in-run-id": "ghp_" + _rand(36),
        "aws-key-in-task-id": "AKIA" + _rand(16, string.ascii_uppercase + "234567"),
    }


class _Spec(BaseHTTPRequestHandler):
    body = b""
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def spec_server() -> Iterator[tuple[str, type[_Spec]]]:
    handler = type("Spec", (_Spec,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _workspace(root: Path) -> demo.Workspace:
    """The demo layout, with secret-shaped run and task ids in the log paths."""
    ws = demo.prepare(root)
    found = path_canaries()
    dag = ws.root / "logs" / "dag_id=petstore_sync"
    run = next(dag.iterdir())
    second = dag / f"run_id=manual__{found['github-pat-in-run-id']}"
    subprocess.run(["cp", "-r", str(run), str(second)], check=True)
    (second / "task_id=push_pets").rename(second / f"task_id=push_{found['aws-key-in-task-id']}")
    run.rename(dag / f"run_id=manual__{found['stripe-in-run-id']}")
    return replace(ws, canaries={**ws.canaries, **found})


def _cli(ws: demo.Workspace, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        cwd=ws.root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "POSTWRIGHT_STATE_DIR": str(ws.root / ".postwright"), **env},
    )


def test_run_generate_and_config_show_leak_no_planted_credential(
    tmp_path: Path, spec_server: tuple[str, type[_Spec]]
) -> None:
    host, handler = spec_server
    ws = _workspace(tmp_path / "ws")
    handler.body = (ws.root / "specs" / "petstore-v2.yaml").read_bytes()
    creds = {
        "spec-password": _rand(12),
        "spec-password-tail": _rand(12),
        "raw-password": _rand(12) + "@/#" + _rand(8),  # a connection-URI password, unencoded
        "spec-token": _rand(32),
        "spec-user-token": "ghp_" + _rand(36),
        "airflow-password": _rand(20),
        "target-signature": _rand(24),
    }
    ws = replace(ws, canaries={**ws.canaries, **creds})
    with (ws.root / "postwright.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[airflow]\nurl = "http://svc:${AIRFLOW_DB_PASS}@127.0.0.1:9/"\n')
    env = {"AIRFLOW_DB_PASS": creds["airflow-password"]}
    password = f"{creds['spec-password']}%40%2F{creds['spec-password-tail']}"
    spec_url = f"http://reader:{password}@{host}/openapi.yaml?access_token={creds['spec-token']}"
    token_url = f"http://{creds['spec-user-token']}@{host}/openapi.yaml"

    outputs = []
    done = _cli(ws, "run", "--no-verify", "--spec", spec_url, env=env)
    assert done.returncode == 0, done.stderr
    assert "branch postwright/" in done.stdout
    outputs.append(done.stdout + done.stderr)

    collection = ws.root / "generated.postman_collection.json"
    done = _cli(ws, "generate", "--spec", token_url, "--output", str(collection), env=env)
    assert done.returncode == 0, done.stderr
    assert "manual__[REDACTED:" in collection.read_text()  # the item still says where it was seen
    outputs.append(done.stdout + done.stderr)

    done = _cli(ws, "config", "show", env=env)
    assert done.returncode == 0 and "http://***@127.0.0.1:9/" in done.stdout
    outputs.append(done.stdout + done.stderr)

    handler.status = 404  # the fetch fails: the error line quotes the URL
    raw_url = f"http://svc:{creds['raw-password']}@{host}/openapi.yaml"
    for url in (spec_url, raw_url):
        done = _cli(ws, "run", "--no-verify", "--no-publish", "--spec", url, env=env)
        assert done.returncode != 0 and "postwright: error:" in done.stderr
        assert f"http://***@{host}/openapi.yaml" in done.stderr
        outputs.append(done.stdout + done.stderr)

    pr_bodies = list((ws.root / ".postwright" / "pull-requests").glob("*.md"))
    assert pr_bodies and (ws.root / ".postwright" / "state.db").is_file()
    leaks = demo.find_leaks(ws, outputs="\n".join(outputs))
    assert leaks == []


@pytest.mark.parametrize(
    ("how", "template"),
    [
        ("flag", "http://svc:{s}@127.0.0.1:1/v1"),
        ("flag", "https://{s}@api.example.com"),
        ("flag", "https://api.example.com/v1?api_key={s}"),
        ("env", "https://api.example.com/v1?access_token={s}"),
        ("env", "https://api.example.com/v1#sig={s}"),
    ],
)
def test_a_base_url_with_credentials_is_refused_before_anything_is_written(
    tmp_path: Path, how: str, template: str
) -> None:
    secret = _rand(24)
    url = template.format(s=secret)
    out = tmp_path / "c.json"
    args = ["generate", "--spec", str(demo.EXAMPLE / "specs" / "petstore-v2.yaml"), "-o", str(out)]
    env = {**os.environ, "POSTWRIGHT_STATE_DIR": str(tmp_path / "state")}
    if how == "flag":
        args += ["--base-url", url]
    else:
        env["POSTWRIGHT_SANDBOX__TARGET"] = url
    done = subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "carries credentials" in done.stderr
    assert secret not in done.stdout + done.stderr
    assert not out.exists()
    assert all(secret.encode() not in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_diff_prints_spec_urls_masked(tmp_path: Path, spec_server: tuple[str, type[_Spec]], fmt: str) -> None:
    host, handler = spec_server
    handler.body = (demo.EXAMPLE / "specs" / "petstore-v2.yaml").read_bytes()
    password, token = _rand(16), _rand(24)
    url = f"http://reader:{password}@{host}/v2.yaml?access_token={token}"
    base = str(demo.EXAMPLE / "specs" / "petstore-v1.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "agent", "diff", base, url, "--format", fmt],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode in (0, 1), done.stderr
    shown = done.stdout + done.stderr
    assert password not in shown and token not in shown
    assert f"http://***@{host}/v2.yaml?access_token=***" in shown
