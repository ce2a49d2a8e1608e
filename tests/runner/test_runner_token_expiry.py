"""OAuth2 client credentials against a local token server, and a token that expires mid-run."""

from __future__ import annotations

import base64
import json
import secrets
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from agent.cli.main import main
from agent.runner import provider_from
from agent.runner.report import EXPIRY_HINT
from tests.runner.runner_helpers import collection, item

USES_PER_TOKEN = 2  # the API's tokens expire after this many requests: deterministic, no clocks


class OAuthWorld:
    """A client-credentials token server and an API whose tokens expire after a few requests."""

    def __init__(self, serve: Any, expires_in: int) -> None:
        self.client_id = "pw-client"
        self.client_secret = "cs-" + secrets.token_hex(12)
        self.expires_in = expires_in
        self.issued: list[str] = []
        self.uses: dict[str, int] = {}
        self.tokens = serve({"/token": self._token})
        self.api = serve({"/things": self._things})

    def _token(self, h: Any) -> tuple[int, Any]:
        creds = base64.b64decode(str(h.headers.get("Authorization", "x x")).split()[1]).decode()
        form = parse_qs(h.rfile.read(int(h.headers["Content-Length"])).decode())
        if creds != f"{self.client_id}:{self.client_secret}" or form.get("grant_type") != [
            "client_credentials"
        ]:
            return 401, {"error": "invalid_client"}
        self.issued.append("at-" + secrets.token_hex(16))
        return 200, {"access_token": self.issued[-1], "token_type": "Bearer", "expires_in": self.expires_in}

    def _things(self, h: Any) -> tuple[int, Any]:
        token = str(h.headers.get("Authorization", "")).removeprefix("Bearer ")
        if token not in self.issued:
            return 401, {"error": "invalid_token"}
        self.uses[token] = self.uses.get(token, 0) + 1
        if self.uses[token] > USES_PER_TOKEN:
            # A careless API echoes the token it refused; the runner must still never show it.
            return 401, {"t": token, "error": "invalid_token", "error_description": "token expired"}
        return 200, {"ok": True}

    def secrets(self) -> list[str]:
        return [self.client_secret, *self.issued]


def _collection() -> dict[str, Any]:
    ok = "pm.test('authorised', () => pm.response.to.have.status(200));"
    return collection(
        item("pw-a", "{{baseUrl}}/things", ok, auth=True),
        item(
            "pw-b",
            "{{baseUrl}}/things",
            ok,
            auth=True,
            pre=["console.log(pm.environment.get('accessToken'));"],
        ),
        item(
            "pw-c",
            "{{baseUrl}}/things",
            ok,
            "pm.test('body says ok', () => pm.expect(pm.response.text()).to.include('\"ok\"'));",
            auth=True,
        ),
    )


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.sandbox
def test_token_expiring_mid_run_is_named_and_never_leaks(
    sandbox_dir: Path,
    serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # expires_in below the provider's skew: every run starts with a fresh token.
    world = OAuthWorld(serve, expires_in=2)
    monkeypatch.setenv("PW_OAUTH_ID", world.client_id)
    monkeypatch.setenv("PW_OAUTH_SECRET", world.client_secret)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    coll = tmp_path / "c.json"
    coll.write_text(json.dumps(_collection()))
    args = [
        "verify", str(coll), "--target", world.api.url, "--runs", "2", "--sandbox-dir", str(sandbox_dir),
        "--oauth2-token-url", f"{world.tokens.url}/token",
        "--oauth2-client-id-env", "PW_OAUTH_ID", "--oauth2-client-secret-env", "PW_OAUTH_SECRET",
    ]  # fmt: skip
    outputs: list[str] = []
    for fmt in ("json", "text"):
        with pytest.raises(SystemExit) as exit_info:
            main([*args, "--format", fmt])
        out, err = capsys.readouterr()
        outputs += [out, err]
        assert exit_info.value.code == 1, err
        if fmt == "json":
            data = json.loads(out)

    # Refreshed between runs: one token per run, and pw-a/pw-b pass every run.
    assert len(world.issued) == 4 and world.tokens.calls["/token"] == 4
    items = {i["id"]: i for i in data["items"]}
    assert {k: v["status"] for k, v in items.items()} == {
        "pw-a": "passed",
        "pw-b": "passed",
        "pw-c": "failed",
    }
    # Within a run, the 401 after a pass is named as a token expiry.
    reason = items["pw-c"]["reasons"][0]
    assert (
        reason.startswith(EXPIRY_HINT) and "expected response to have status code 200 but got 401" in reason
    )
    expiry = [n for n in data["notices"] if n["code"] == "sandbox-token-expired"]
    assert [n["message"][:6] for n in expiry] == ["run 1:", "run 2:"]
    assert "token expired mid-run" in outputs[2]  # the text format shows it too

    # No secret anywhere: outputs, report, and nothing left in the temp dir.
    everything = "\n".join(outputs)
    for value in world.secrets():
        assert value not in everything
        assert value[:8] not in everything  # not even the prefix chai keeps when it shortens
    assert "********" in everything  # the echoed token was there, masked
    assert _files_under(scratch) == [] and list(scratch.iterdir()) == []


def test_client_credentials_renew_a_token_that_would_expire_during_the_run(
    serve,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = OAuthWorld(serve, expires_in=3600)
    monkeypatch.setenv("PW_OAUTH_ID", world.client_id)
    monkeypatch.setenv("PW_OAUTH_SECRET", world.client_secret)
    provider = provider_from(
        token_url=f"{world.tokens.url}/token",
        client_id_env="PW_OAUTH_ID",
        client_secret_env="PW_OAUTH_SECRET",
    )
    assert provider is not None
    first = provider.token()
    assert provider.token(valid_for=60) == first and len(world.issued) == 1
    # A run expected to last longer than the token has left gets a fresh one first.
    assert provider.token(valid_for=7200) != first and len(world.issued) == 2
