"""Run-time credentials: a static token from the environment and OAuth2 client credentials."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from agent.errors import ConfigError
from agent.runner import Masker, NewmanRunner, provider_from
from agent.runner.credentials import MASK
from tests.runner.runner_helpers import collection, item


def _client_credentials(url: str):
    """The client-credentials provider [sandbox] oauth2_* builds."""
    made = provider_from(token_url=url, client_id_env="PW_CLIENT_ID", client_secret_env="PW_CLIENT_SECRET")
    assert made is not None
    return made


def _bearer(handler) -> str:
    return str(handler.headers.get("Authorization", "")).removeprefix("Bearer ")


def test_static_token_requires_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PW_TEST_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="PW_TEST_TOKEN is not set"):
        provider_from(token_env="PW_TEST_TOKEN").token()  # type: ignore[union-attr]
    monkeypatch.setenv("PW_TEST_TOKEN", "tok-" + secrets.token_hex(8))
    provider = provider_from(token_env="PW_TEST_TOKEN")
    assert provider is not None and provider.token().startswith("tok-")
    assert "tok-" not in repr(provider)


def test_masker_hides_every_known_value() -> None:
    mask, secret = Masker(), "s3cr" + secrets.token_hex(6)
    mask.add(secret)
    mask.add("ab")  # too short to mask safely
    assert mask(f"expected '{secret}' to equal 'ab'") == f"expected '{MASK}' to equal 'ab'"
    assert mask(f"expected '{secret[:10]}…' to be empty") == f"expected '{MASK}…' to be empty"


@pytest.mark.sandbox
def test_static_token_reaches_newman_and_is_masked(
    sandbox_dir: Path,
    serve,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = "ghp_" + secrets.token_hex(18)
    monkeypatch.setenv("PW_TARGET_TOKEN", token)
    server = serve({"/me": lambda h: (200, {"me": 1}) if _bearer(h) == token else (401, {"error": "no"})})
    coll = collection(
        item(
            "pw-me",
            "{{baseUrl}}/me",
            "pm.test('authorised', () => pm.response.to.have.status(200));",
            "pm.test('leaks', () => pm.expect(pm.environment.get('accessToken')).to.equal('other'));",
            auth=True,
        )
    )
    runner = NewmanRunner(
        sandbox_dir, timeout=60, target=server.url, credentials=provider_from(token_env="PW_TARGET_TOKEN")
    )
    report = runner.run(coll, None, runs=1)
    outcome = report.items["pw-me"]
    assert outcome.status == "failed"
    assert len(outcome.reasons) == 1 and "authorised" not in outcome.reasons[0]
    assert MASK in outcome.reasons[0]
    everything = json.dumps(report.to_dict()) + repr(report.result())
    assert token not in everything


@pytest.mark.sandbox
def test_client_credentials_token_is_fetched_again_when_expired(
    sandbox_dir: Path,
    serve,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client_id, client_secret = "pw-client", "cs-" + secrets.token_hex(10)
    monkeypatch.setenv("PW_CLIENT_ID", client_id)
    monkeypatch.setenv("PW_CLIENT_SECRET", client_secret)
    issued: list[str] = []

    def token_endpoint(h):
        creds = base64.b64decode(str(h.headers["Authorization"]).split()[1]).decode()
        form = parse_qs(h.rfile.read(int(h.headers["Content-Length"])).decode())
        if creds != f"{client_id}:{client_secret}" or form.get("grant_type") != ["client_credentials"]:
            return 401, {"error": "invalid_client"}
        issued.append("at-" + secrets.token_hex(12))
        # expires_in=0: the token is stale as soon as a run is over, like a token expiring mid-run.
        return 200, {"access_token": issued[-1], "token_type": "Bearer", "expires_in": 0}

    # The API honours only the newest token: reusing an expired one would fail the run.
    def api(h):
        return (200, {"ok": True}) if issued and _bearer(h) == issued[-1] else (401, {"error": "expired"})

    tokens = serve({"/token": token_endpoint})
    target = serve({"/things": api})
    provider = _client_credentials(f"{tokens.url}/token")
    coll = collection(
        item(
            "pw-things",
            "{{baseUrl}}/things",
            "pm.test('authorised', () => pm.response.to.have.status(200));",
            auth=True,
        )
    )
    report = NewmanRunner(sandbox_dir, timeout=60, target=target.url, credentials=provider).run(
        coll, None, runs=2
    )
    assert report.items["pw-things"].status == "passed", report.items["pw-things"].reasons
    assert len(issued) == 2 and tokens.calls["/token"] == 2


def test_client_credentials_refused(serve, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_CLIENT_ID", "a")
    monkeypatch.setenv("PW_CLIENT_SECRET", "b" * 8)
    tokens = serve({"/token": lambda h: (401, {"error": "invalid_client"})})
    with pytest.raises(ConfigError, match="client was refused"):
        _client_credentials(f"{tokens.url}/token").token()
