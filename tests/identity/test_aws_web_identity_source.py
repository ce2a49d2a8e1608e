"""The ``aws-web-identity`` source against STS on 127.0.0.1 (moto's server mode): temporary AWS
credentials from a web identity token file, renewed by the cache's clock, masked everywhere, and
one-line failures that say what to fix."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from agent.errors import EXIT_USAGE
from agent.identity.aws_web_identity import AwsCredentials, AwsWebIdentity
from agent.identity.sources import open_source
from agent.identity.token import IdentityError, TokenCache
from tests.identity.aws_kit import REGION, ROLE_ARN, RefusingSts, SignedApi, Sts, web_identity_token
from tests.identity.oidc_kit import free_port


@pytest.fixture(scope="module")
def sts() -> Iterator[Sts]:
    started = Sts()
    yield started
    started.close()


def _source(sts_url: str, token_file: Path, **over: Any) -> AwsWebIdentity:
    options: dict[str, Any] = {
        "role_arn": ROLE_ARN,
        "web_identity_token_file": token_file,
        "region": REGION,
        "sts_endpoint_url": sts_url,
        "duration_seconds": 900,
        **over,
    }
    source = open_source("aws-web-identity", **options)
    assert isinstance(source, AwsWebIdentity)
    return source


def test_sts_issues_temporary_credentials_that_fill_the_awsv4_variables(
    sts: Sts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no AWS credentials anywhere: the call is unsigned, and a profile of the user's plays no part
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))
    token_file, identity = web_identity_token(tmp_path)
    source = _source(sts.url, token_file, role_session_name="pw-ci", service="lambda")
    issued = source.token("https://api.example.test/", ())
    assert isinstance(issued, AwsCredentials) and source.client_id == ROLE_ARN
    role = next(r for r in sts.roles() if r.session_token == issued.value.get_secret_value())
    assert issued.access_key_id.get_secret_value() == role.access_key_id
    assert issued.secret_access_key.get_secret_value() == role.secret_access_key
    assert issued.subject == "arn:aws:sts::123456789012:assumed-role/postwright-tests/pw-ci"
    assert issued.expires_at is not None
    assert 850 < (issued.expires_at - datetime.now(UTC)).total_seconds() <= 900
    assert issued.audience == ("https://api.example.test/",)
    variables = issued.variables("accessToken")
    secret = {k for k, v in variables.items() if isinstance(v, SecretStr)}
    assert secret == {"awsAccessKeyId", "awsSecretAccessKey", "awsSessionToken"}
    assert (variables["awsRegion"], variables["awsService"]) == (REGION, "lambda")
    shown = repr(issued) + str(issued) + issued.model_dump_json() + repr(source)
    for value in (role.secret_access_key, role.session_token, role.access_key_id, identity):
        assert value not in shown


def test_the_cache_renews_at_80_percent_by_its_clock_and_rereads_the_token_file(
    sts: Sts, tmp_path: Path
) -> None:
    now = [datetime.now(UTC).timestamp()]
    token_file, _ = web_identity_token(tmp_path)
    cache = TokenCache(_source(sts.url, token_file), clock=lambda: now[0])

    def variables(valid_for: float = 0.0) -> dict[str, SecretStr | str]:
        return cache.token(None, (), valid_for=valid_for).variables("accessToken")

    first = variables()
    now[0] += 700  # under 80% of 900 s
    assert variables() == first
    assert variables(valid_for=250) != first  # the coming batch would outlive it
    second = variables()
    now[0] += 0.8 * 900
    token_file.unlink()  # the platform's token is read at each issuance: gone now, so is the next
    with pytest.raises(IdentityError, match="web identity token file .* does not exist"):
        variables()
    web_identity_token(tmp_path)
    third = variables()
    keys = {_plain(issued["awsAccessKeyId"]) for issued in (first, second, third)}
    assert len(keys) == 3  # each renewal is a new role session


def _plain(value: SecretStr | str) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _error(source: AwsWebIdentity) -> str:
    with pytest.raises(IdentityError) as caught:
        source.token(None, ())
    assert caught.value.exit_code == EXIT_USAGE
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and "aws-web-identity" in message, message
    return message


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("InvalidIdentityToken", "does not accept the web identity token"),
        ("ExpiredTokenException", "has expired"),
        ("AccessDenied", "trust policy"),
        ("IDPCommunicationError", "could not reach the identity provider"),
        ("SomethingNew", "STS refused the request"),
    ],
)
def test_sts_refusals_are_one_line_and_say_what_to_fix(code: str, expected: str, tmp_path: Path) -> None:
    token_file, identity = web_identity_token(tmp_path)
    refusing = RefusingSts(code, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    try:
        message = _error(_source(refusing.url, token_file))
    finally:
        refusing.close()
    assert code in message and expected in message and ROLE_ARN in message
    assert identity not in message


def test_an_sts_message_quoting_the_token_is_left_out(tmp_path: Path) -> None:
    token_file, identity = web_identity_token(tmp_path)
    quoted = f"1 validation error detected: Value '{identity[:40]}' at 'webIdentityToken' failed"
    refusing = RefusingSts("ValidationError", quoted)
    try:
        message = _error(_source(refusing.url, token_file))
    finally:
        refusing.close()
    assert "ValidationError" in message and identity[:12] not in message and "validation error" not in message


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda f: f.unlink(), "does not exist"),
        (lambda f: f.write_text("  \n"), "is empty"),
        (lambda f: f.write_bytes(b"\xff\xfe\x00bad"), "cannot be read (not text)"),
        (lambda f: (f.unlink(), f.mkdir()), "cannot be read"),
    ],
)
def test_an_unusable_token_file_is_one_line(break_it: Any, expected: str, tmp_path: Path) -> None:
    token_file, _ = web_identity_token(tmp_path)
    break_it(token_file)
    assert expected in _error(_source(f"http://127.0.0.1:{free_port()}", token_file))


def test_an_unreachable_sts_is_one_line(tmp_path: Path) -> None:
    token_file, _ = web_identity_token(tmp_path)
    message = _error(_source(f"http://127.0.0.1:{free_port()}", token_file, timeout=2.0))
    assert "unreachable" in message and "sts_endpoint_url" in message


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"role_arn": "arn:aws:iam::123456789012:user/someone"}, "not an IAM role ARN"),
        ({"duration_seconds": 60}, "900 to 43200"),
        ({"client_secret_env": "X"}, "unexpected keyword"),
    ],
)
def test_bad_options_are_refused_before_any_call(over: dict[str, Any], expected: str, tmp_path: Path) -> None:
    with pytest.raises(IdentityError, match=expected):
        _source("http://127.0.0.1:9", tmp_path / "t", **over)


def test_the_test_api_refuses_whatever_is_not_signed_by_the_issued_credentials(
    sts: Sts, tmp_path: Path
) -> None:
    """The API the verify tests run against is a real check: botocore's own signature passes,
    each kind of wrong one is refused."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    token_file, _ = web_identity_token(tmp_path)
    issued = _source(sts.url, token_file).token(None, ())
    assert isinstance(issued, AwsCredentials)
    key, secret = issued.access_key_id.get_secret_value(), issued.secret_access_key.get_secret_value()
    session = issued.value.get_secret_value()
    api = SignedApi()
    try:

        def sent(
            key: str, secret: str, session: str | None, region: str = REGION, body: bytes = b"{}"
        ) -> str | None:
            request = AWSRequest(
                method="POST", url=f"{api.url}/things", data=b"{}", headers={"Host": api.url[7:]}
            )
            SigV4Auth(Credentials(key, secret, session), "execute-api", region).add_auth(request)
            return api.why_refused("POST", f"{api.url}/things", dict(request.headers.items()), body)

        assert sent(key, secret, session) is None
        assert sent(key, secret[::-1], session) == "signature does not match"
        assert sent(key, secret, session, body=b'{"name": "changed"}') == "signature does not match"
        assert sent(key, secret, None) == "session token missing, unsigned or not the key's"
        assert sent(key, secret, session, region="us-east-2") == "signed for us-east-2/execute-api"
        assert sent("ASIA" + "X" * 16, secret, session) == "unknown access key"
        assert (
            api.why_refused("GET", f"{api.url}/things", {"Authorization": "Bearer x"}, b"")
            == "not signed with SigV4"
        )
    finally:
        api.close()
