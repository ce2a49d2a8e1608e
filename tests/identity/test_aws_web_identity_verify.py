"""An API behind AWS IAM, end to end: `postwright generate` writes Postman's awsv4 auth for a
SigV4 scheme (variables only), and `postwright verify --spec SPEC --target NAME` with
`token_source = "aws-web-identity"` gets credentials from STS on 127.0.0.1 (moto) and has newman
sign every request, which an API checks by recomputing the signature. Renewal before expiry,
one-line failures, and no secret (web identity token, secret key, session token) anywhere."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agent.cli.main import main
from agent.identity.token import TokenCache
from agent.runner.credentials import TargetToken, target_token
from agent.runner.newman import NewmanRunner
from tests.identity.aws_kit import REGION, ROLE_ARN, RefusingSts, SignedApi, Sts, web_identity_token
from tests.identity.oidc_kit import free_port
from tests.identity.test_verify_targets import _no_canary, scratch  # noqa: F401 (the fixture)
from tests.runner.conftest import sandbox_dir  # noqa: F401 (the fixture)

pytestmark = pytest.mark.sandbox

_THING = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}
_NEW = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "example": "a"}}}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "behind IAM", "version": "1"},
    "components": {
        "securitySchemes": {
            # API Gateway's IAM authorisation, as its OpenAPI export declares it
            "sigv4": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4",
            }
        }
    },
    "security": [{"sigv4": []}],
    "paths": {
        "/things": {
            "get": {
                "operationId": "listThings",
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": _THING}}},
                    "403": {"description": "not signed"},
                },
            },
            "post": {
                "operationId": "createThing",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _NEW}}},
                "responses": {
                    "201": {"description": "made", "content": {"application/json": {"schema": _THING}}},
                    "400": {"description": "no name"},
                    "403": {"description": "not signed"},
                },
            },
        }
    },
}


@pytest.fixture(scope="module")
def sts() -> Iterator[Sts]:
    started = Sts()
    yield started
    started.close()


@pytest.fixture
def api() -> Iterator[Callable[..., SignedApi]]:
    servers: list[SignedApi] = []

    def start(**kw: Any) -> SignedApi:
        servers.append(SignedApi(**kw))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _leaves(items: list[Any]) -> Iterator[dict[str, Any]]:
    for entry in items:
        yield from _leaves(entry["item"]) if "item" in entry else [entry]


class Project:
    """A folder with postwright.toml ([targets.api] on aws-web-identity), the spec and the
    collection `generate` wrote from it; runs the CLI there."""

    def __init__(self, tmp_path: Path, sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.sandbox, self.capsys = tmp_path / "project", sandbox, capsys
        self.root.mkdir()
        self.console: list[str] = []
        platform = tmp_path / "platform"  # where the token is mounted: outside the project
        platform.mkdir()
        self.token_file, self.identity = web_identity_token(platform)
        root = self.root
        (root / "spec.json").write_text(json.dumps(SPEC))
        self.write_config("http://127.0.0.1:9", "http://127.0.0.1:9")
        assert self.cli("generate", "--spec", str(root / "spec.json"), "-o", str(root / "c.json")) == 0
        self.collection = json.loads((root / "c.json").read_text())

    def write_config(self, url: str, sts_url: str, extra: str = "") -> None:
        (self.root / "postwright.toml").write_text(
            f'[sandbox]\ndir = "{self.sandbox}"\nruns = 1\n\n'
            f'[targets.api]\nurl = "{url}"\ntoken_source = "aws-web-identity"\nrole_arn = "{ROLE_ARN}"\n'
            f'web_identity_token_file = "../platform/{self.token_file.name}"\nregion = "{REGION}"\n'
            f'sts_endpoint_url = "{sts_url}"\nduration_seconds = 900\n{extra}'
        )

    def cli(self, *args: str) -> int:
        with pytest.raises(SystemExit) as exit_info:
            # the state database inside the project, so the canary search reads it too
            main(
                [
                    "--config",
                    str(self.root / "postwright.toml"),
                    "--state-dir",
                    str(self.root / ".postwright"),
                    *args,
                ]
            )
        out, err = self.capsys.readouterr()
        self.console += [out, err]
        return int(exit_info.value.code or 0)

    def verify(self, *extra: str) -> int:
        spec = str(self.root / "spec.json")
        return self.cli("verify", str(self.root / "c.json"), "--spec", spec, *extra)


def test_generate_signs_sigv4_operations_with_awsv4_auth_of_variables_only(
    tmp_path: Path,
    sandbox_dir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = Project(tmp_path, sandbox_dir, capsys)
    items = list(_leaves(project.collection["item"]))
    assert items
    for entry in items:
        auth = entry["request"]["auth"]
        assert auth["type"] == "awsv4"
        assert {a["key"]: a["value"] for a in auth["awsv4"]} == {
            "accessKey": "{{awsAccessKeyId}}",
            "secretKey": "{{awsSecretAccessKey}}",
            "sessionToken": "{{awsSessionToken}}",
            "region": "{{awsRegion}}",
            "service": "{{awsService}}",
        }
    for entry in items:  # newman writes the signature: no Authorization header of ours
        assert all(h["key"].lower() != "authorization" for h in entry["request"]["header"])
    # the mock (Prism) takes the stand-in signature: every test passes there
    assert project.verify("--runs", "1") == 0, project.console


@pytest.mark.parametrize("runs", [1, 2])
def test_verify_against_an_api_that_checks_sigv4(
    runs: int,
    sts: Sts,
    api: Callable[..., SignedApi],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    scratch: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = Project(tmp_path, sandbox_dir, capsys)
    server = api()
    project.write_config(server.url, sts.url, '\n[target]\nallow = ["read", "create"]\n')  # POST too
    assert project.verify("--target", "api", "--runs", str(runs), "--format", "json") == 0, (
        project.console,
        server.refused,
    )
    report = json.loads(project.console[-2])
    assert report["items"] and all(i["status"] == "passed" for i in report["items"])
    assert len(server.accepted) >= 2 * runs and not any("signature" in r for r in server.refused)
    assert len(set(server.accepted)) == 1  # one role session served every batch
    assert project.cli("audit", "--json") == 0  # the issuance is audited: the role, never a secret
    rows = [r for r in json.loads(project.console[-2]) if r["source"] == "aws-web-identity"]
    assert [(r["outcome"], r["client_id"]) for r in rows] == [("issued", ROLE_ARN)]
    assert rows[0]["subject"].endswith(":assumed-role/postwright-tests/postwright") and rows[0]["fingerprint"]
    assert (project.root / ".postwright" / "state.db").is_file()  # searched with the rest below
    canaries = [project.identity, *sts.issued_secrets(), *server.seen]
    _no_canary(canaries, project.console, project.root, scratch)


def test_credentials_are_renewed_before_expiry_between_batches(
    sts: Sts,
    api: Callable[..., SignedApi],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    scratch: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """STS's shortest session is 900 s: the cache's clock moves on after each batch instead."""
    project = Project(tmp_path, sandbox_dir, capsys)
    server = api()
    now = [datetime.now(UTC).timestamp()]
    provider = target_token(
        "aws-web-identity",
        target="target 'api'",
        role_arn=ROLE_ARN,
        web_identity_token_file=project.token_file,
        region=REGION,
        sts_endpoint_url=sts.url,
        duration_seconds=900,
    )
    provider = TargetToken(TokenCache(provider.cache.source, clock=lambda: now[0]), target="target 'api'")

    def later(event: dict[str, Any]) -> None:  # each batch ends 13 minutes later: past 80% of 15
        now[0] += 780

    runner = NewmanRunner(
        sandbox_dir, timeout=60, target=server.url, credentials=provider, batch_size=1, progress=later
    )
    report = runner.run(project.collection, None, 1)
    statuses = {o.status for o in report.items.values()}
    assert statuses <= {"passed", "skipped"} and "passed" in statuses, [
        o.reasons for o in report.items.values()
    ]
    assert len(server.accepted) >= 2 and len(set(server.accepted)) == len(server.accepted)  # one each
    assert not server.refused or all("not signed" in r for r in server.refused)
    _no_canary([project.identity, *sts.issued_secrets(), *server.seen], [], project.root, scratch)


@pytest.mark.parametrize("failure", ["no-token-file", "sts-refuses", "sts-down"])
def test_identity_failures_are_one_line_exit_2_and_nothing_is_sent(
    failure: str,
    api: Callable[..., SignedApi],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = Project(tmp_path, sandbox_dir, capsys)
    server = api()
    refusing = RefusingSts("InvalidIdentityToken", "Incorrect token audience")
    sts_url = {"sts-refuses": refusing.url, "sts-down": f"http://127.0.0.1:{free_port()}"}.get(
        failure, refusing.url
    )
    project.write_config(server.url, sts_url)
    if failure == "no-token-file":
        project.token_file.unlink()
    try:
        assert project.verify("--target", "api") == 2
    finally:
        refusing.close()
    err = project.console[-1].strip()
    expected = {
        "no-token-file": "does not exist",
        "sts-refuses": "InvalidIdentityToken",
        "sts-down": "unreachable",
    }
    assert len(err.splitlines()) == 1 and "aws-web-identity" in err and expected[failure] in err, err
    assert server.server.calls == {} and (refusing.calls == 0) == (failure != "sts-refuses")
    _no_canary([project.identity], project.console, project.root)


def test_run_publishes_signed_tests_with_no_secret_in_the_pr_or_the_commit(
    sts: Sts,
    api: Callable[..., SignedApi],
    sandbox_dir: Path,  # noqa: F811
    tmp_path: Path,
    scratch: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`postwright run --target NAME`: generate, verify against the SigV4 API, publish to a git
    repository; the PR body and the commit carry variables only."""
    project = Project(tmp_path, sandbox_dir, capsys)
    server = api()
    repo = project.root / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    publish = '\n[publish]\nrepo = "repo"\ncollection = "collections/api.postman_collection.json"\n'
    project.write_config(server.url, sts.url, publish)
    spec = str(project.root / "spec.json")
    assert project.cli("run", "--spec", spec, "--target", "api", "--llm", "none") == 0, project.console
    assert server.accepted and not any("signature" in r for r in server.refused)
    bodies = list((project.root / ".postwright" / "pull-requests").glob("*.md"))
    assert bodies, project.console
    log = subprocess.run([*git, "log", "--all", "-p"], capture_output=True, text=True, check=True).stdout
    assert "awsv4" in log and "{{awsSecretAccessKey}}" in log  # the committed collection signs by variable
    canaries = [project.identity, *sts.issued_secrets(), *server.seen]
    _no_canary(canaries, [*project.console, log], project.root, scratch)
