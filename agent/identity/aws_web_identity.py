"""Token source ``aws-web-identity``: STS ``AssumeRoleWithWebIdentity`` through boto3.

A web identity token (a Kubernetes projected service-account token, a CI's OIDC token) is read
from a file on every issuance, so a token the platform rotates is picked up, and exchanged at STS
for temporary AWS credentials. The call is unsigned (the API takes no AWS credentials). The
credentials sign requests at run time through Postman's ``awsv4`` auth, whose variables
``AwsCredentials.variables`` fills (``generate.requests.AWS_VARIABLES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent.generate.requests import AWS_VARIABLES
from agent.identity.token import AccessToken, IdentityError
from agent.urls import mask_url

NAME = "aws-web-identity"
MIN_DURATION, MAX_DURATION = 900, 43_200  # STS's bounds for DurationSeconds


class AwsCredentials(AccessToken):
    """Temporary AWS credentials: ``value`` is the session token; the key pair rides beside it,
    secret too, and the three reach newman only as the ``awsv4`` auth's variables."""

    access_key_id: SecretStr
    secret_access_key: SecretStr
    region: str
    service: str

    def variables(self, token_var: str) -> dict[str, SecretStr | str]:
        # The key id is not a secret to AWS, but it names the role's session: masked like the rest.
        return {
            AWS_VARIABLES["accessKey"]: self.access_key_id,
            AWS_VARIABLES["secretKey"]: self.secret_access_key,
            AWS_VARIABLES["sessionToken"]: self.value,
            AWS_VARIABLES["region"]: self.region,
            AWS_VARIABLES["service"]: self.service,
        }


@dataclass(frozen=True)
class AwsWebIdentity:
    """One IAM role assumed with a web identity token file; paths and names, never a secret."""

    role_arn: str
    web_identity_token_file: Path
    region: str
    role_session_name: str = "postwright"
    duration_seconds: int = 3600
    sts_endpoint_url: str | None = None  # a private (VPC) endpoint, or a local STS in tests
    service: str = "execute-api"  # the signing name of the API (API Gateway's by default)
    timeout: float = 15.0
    name: str = NAME

    def __post_init__(self) -> None:
        if not self.role_arn.startswith("arn:") or ":role/" not in self.role_arn:
            raise IdentityError(f"token source '{NAME}': role_arn {self.role_arn!r} is not an IAM role ARN")
        if not MIN_DURATION <= self.duration_seconds <= MAX_DURATION:
            raise IdentityError(
                f"token source '{NAME}': duration_seconds must be {MIN_DURATION} to {MAX_DURATION}"
                " (STS's bounds)"
            )

    @property
    def client_id(self) -> str:
        """Who the audit says asked: the role."""
        return self.role_arn

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        import botocore.exceptions as boto_errors

        identity = self._identity_token()
        try:
            answer = self._client().assume_role_with_web_identity(
                RoleArn=self.role_arn,
                RoleSessionName=self.role_session_name,
                WebIdentityToken=identity,
                DurationSeconds=self.duration_seconds,
            )
        except boto_errors.ClientError as exc:
            error = exc.response.get("Error", {})
            message = _unechoed(str(error.get("Message", "")), identity)
            raise IdentityError(self._refused(str(error.get("Code", "")), message)) from None
        except (boto_errors.EndpointConnectionError, boto_errors.ConnectionError) as exc:
            raise IdentityError(
                f"token source '{NAME}': STS at {self._where()} is unreachable ({type(exc).__name__});"
                " check region / sts_endpoint_url and the network"
            ) from None
        except boto_errors.BotoCoreError as exc:  # bad parameters, an answer that is not STS's
            said = _unechoed(str(exc), identity) or type(exc).__name__
            raise IdentityError(f"token source '{NAME}': the STS call failed: {said}") from None
        return self._credentials(answer, audience, scopes)

    def _identity_token(self) -> str:
        """The file's token, read now (the platform rotates it); a one-line error when unusable."""
        path = self.web_identity_token_file
        try:
            value = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise IdentityError(
                f"token source '{NAME}': web identity token file {path} does not exist"
                " (is the projected token mounted?)"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not text"
            raise IdentityError(
                f"token source '{NAME}': web identity token file {path} cannot be read ({why})"
            ) from None
        if not value:
            raise IdentityError(f"token source '{NAME}': web identity token file {path} is empty")
        return value

    def _client(self) -> Any:
        """An unsigned STS client: no AWS credentials are looked for or sent."""
        import botocore.session
        from botocore import UNSIGNED
        from botocore.config import Config

        config = Config(
            signature_version=UNSIGNED,
            connect_timeout=self.timeout,
            read_timeout=self.timeout,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        # A bare botocore session: the user's AWS profile and keys play no part in this call.
        session = botocore.session.Session()
        return session.create_client(
            "sts", region_name=self.region, endpoint_url=self.sts_endpoint_url, config=config
        )

    def _credentials(
        self, answer: dict[str, Any], audience: str | None, scopes: tuple[str, ...]
    ) -> AwsCredentials:
        given = answer.get("Credentials") or {}
        parts = [given.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
        if not all(isinstance(p, str) and p for p in parts):
            raise IdentityError(f"token source '{NAME}': STS at {self._where()} gave no credentials")
        expires = given.get("Expiration")
        arn = (answer.get("AssumedRoleUser") or {}).get("Arn")
        return AwsCredentials(
            value=SecretStr(str(parts[2])),
            access_key_id=SecretStr(str(parts[0])),
            secret_access_key=SecretStr(str(parts[1])),
            expires_at=expires.astimezone(UTC) if isinstance(expires, datetime) else None,
            token_type="AWS4-HMAC-SHA256",
            subject=arn if isinstance(arn, str) else self.role_arn,
            scopes=scopes,
            audience=(audience,) if audience else (),
            region=self.region,
            service=self.service,
        )

    def _refused(self, code: str, message: str) -> str:
        """One line for an STS error answer, saying what to fix."""
        where = f"token source '{NAME}' (role {self.role_arn})"
        hints = {
            "InvalidIdentityToken": "STS does not accept the web identity token; check the role's"
            " OIDC provider (issuer, audience) and the token in the file",
            "ExpiredTokenException": "the web identity token in the file has expired; check that"
            " the platform still refreshes it",
            "AccessDenied": "the role's trust policy does not let this identity assume it",
            "IDPCommunicationError": "STS could not reach the identity provider to check the token;"
            " try again later",
            "IDPRejectedClaim": "the identity provider rejected the token's claims",
            "ValidationError": "a parameter was refused (role_arn, role_session_name or"
            " duration_seconds above the role's maximum session duration)",
        }
        how = hints.get(code, "STS refused the request")
        said = f": {message}" if message else ""
        return f"{where}: {code or 'error'}, {how}{said}"

    def _where(self) -> str:
        return mask_url(self.sts_endpoint_url) if self.sts_endpoint_url else f"region {self.region}"


ECHO = 12  # a run of the identity token this long in an error text means the text quotes it


def _unechoed(text: str, identity: str) -> str:
    """An error text as one short line, or "" when it quotes any part of the web identity token
    (AWS's validation messages quote the value they refused)."""
    flat = " ".join(text.split())
    if any(identity[i : i + ECHO] in flat for i in range(max(1, len(identity) - ECHO + 1))):
        return ""
    return flat if len(flat) <= 200 else flat[:199] + "…"
