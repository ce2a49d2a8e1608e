"""STS on 127.0.0.1 (moto's server mode), an STS that refuses, and an API behind "AWS IAM" that
checks each request's SigV4 signature against the credentials STS issued.

The web identity token is made at test time; moto's STS issues the AWS credentials, and the API
looks them up in moto's backend (as API Gateway asks IAM), recomputes the signature with
botocore's signer over the request it received, and refuses anything else with 403.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.runner.runner_helpers import LoopbackServer

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/postwright-tests"
REGION = "eu-west-1"
SERVICE = "execute-api"
_SCHEME = "AWS4-HMAC-SHA256"


class Sts:
    """moto's server mode on a free loopback port (in this process: the API reads its backend)."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    @staticmethod
    def roles() -> list[Any]:
        """Every role session STS issued so far (moto's ``AssumedRole``s)."""
        from moto.sts.models import sts_backends

        return list(sts_backends[ACCOUNT]["aws"].assumed_roles)

    def issued_secrets(self) -> list[str]:
        """The secret access keys and session tokens STS handed out: canaries."""
        return [s for role in self.roles() for s in (role.secret_access_key, role.session_token)]

    def close(self) -> None:
        self.server.stop()


class RefusingSts:
    """An STS endpoint that answers every call with one STS error, in STS's own XML shape."""

    def __init__(self, code: str, message: str) -> None:
        body = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
        ).encode()
        self.calls = 0
        outer = self

        class _H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.calls += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(400)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def web_identity_token(folder: Path) -> tuple[Path, str]:
    """A token file as a platform projects it (0600), with a value made now: the canary."""
    value = "wit" + secrets.token_urlsafe(48)
    path = folder / "web-identity-token"
    path.write_text(value + "\n")
    path.chmod(0o600)
    return path, value


@dataclass
class SignedApi:
    """``/things`` (GET; POST, 400 without a name) answering only a request signed with
    credentials STS issued: the signature recomputed over the received request, the session token
    the one issued with the key, the scope this API's region and service, the session unexpired."""

    region: str = REGION
    service: str = SERVICE
    accepted: list[str] = field(default_factory=list)  # the access key id of each accepted request
    refused: list[str] = field(default_factory=list)  # why each refused request was refused
    seen: list[str] = field(default_factory=list)  # every access key id and session token sent

    def __post_init__(self) -> None:
        self.server = LoopbackServer({"/things": self._answer})
        self.url = self.server.url

    def _answer(self, h: Any) -> tuple[int, Any]:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        why = self.why_refused(h.command, f"{self.url}{h.path}", dict(h.headers.items()), body)
        if why is not None:
            self.refused.append(why)
            return 403, {"message": why}
        if h.command == "POST":  # a thing needs its name, a string
            try:
                made = json.loads(body)
            except ValueError:
                made = None
            if not isinstance(made, dict) or not isinstance(made.get("name"), str):
                return 400, {"message": "name is required"}
            return 201, {"ok": True}
        return 200, {"ok": True}

    def why_refused(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str | None:
        lower = {k.lower(): v for k, v in headers.items()}
        authorization = lower.get("authorization", "")
        token = lower.get("x-amz-security-token", "")
        if not authorization.startswith(_SCHEME + " "):
            return "not signed with SigV4"
        fields = dict(
            part.strip().split("=", 1)
            for part in authorization.removeprefix(_SCHEME).split(",")
            if "=" in part
        )
        key_id, day, region, service, _ = (fields.get("Credential", "") + "////").split("/")[:5]
        self.seen += [v for v in (key_id, token) if v]
        signed = fields.get("SignedHeaders", "").split(";")
        role = next((r for r in Sts.roles() if r.access_key_id == key_id), None)
        if role is None:
            return "unknown access key"
        if (region, service) != (self.region, self.service):
            return f"signed for {region}/{service}"
        if token != role.session_token or "x-amz-security-token" not in signed:
            return "session token missing, unsigned or not the key's"
        if role.expiration.replace(tzinfo=UTC) <= datetime.now(UTC):
            return "expired credentials"
        stamp = lower.get("x-amz-date", "")
        if not stamp.startswith(day) or "host" not in signed:
            return "bad date or host not signed"
        request = AWSRequest(
            method=method, url=url, data=body, headers={k: lower[k] for k in signed if k in lower}
        )
        request.context["timestamp"] = stamp
        signer = SigV4Auth(Credentials(key_id, role.secret_access_key, token), service, region)
        expected = signer.signature(
            signer.string_to_sign(request, signer.canonical_request(request)), request
        )
        if not secrets.compare_digest(expected, fields.get("Signature", "")):
            return "signature does not match"
        self.accepted.append(key_id)
        return None

    def close(self) -> None:
        self.server.close()
