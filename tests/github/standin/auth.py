"""Who is calling: a token the test registered, or a GitHub App's RS256 JWT, checked as GitHub does."""

from __future__ import annotations

import time

import jwt

from tests.github.standin import shapes
from tests.github.standin.hub import App, Token
from tests.github.standin.web import Fail, Request

APP_DOCS = f"{shapes.DOCS}/apps/apps"
MAX_JWT_LIFE = 600  # GitHub: exp no more than 10 minutes into the future
CLOCK_SLACK = 1  # whole-second clocks on both sides
EXPIRED = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time"
    " at which the assertion expires"
)


def _credential(req: Request) -> str | None:
    header = req.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    return None


def bad_credentials() -> Fail:
    return Fail(401, shapes.error("Bad credentials", shapes.DOCS, 401))


def token(req: Request) -> Token:
    """The registered, unexpired token of the request (401 otherwise)."""
    value = _credential(req)
    if value is None:
        raise Fail(401, shapes.error("Requires authentication", shapes.DOCS, 401))
    found = req.hub.tokens.get(value)
    if found is None or (found.expires_at is not None and found.expires_at <= time.time()):
        raise bad_credentials()
    return found


def _jwt_failure(message: str) -> Fail:
    return Fail(401, shapes.error(message, APP_DOCS, 401))


def app(req: Request) -> App:
    """The app whose RS256 JWT (iss = app id, iat/exp as GitHub demands) authorizes the request."""
    value = _credential(req)
    if value is None:
        raise Fail(401, shapes.error("A JSON web token could not be decoded", APP_DOCS, 401))
    try:
        claims = jwt.decode(value, options={"verify_signature": False})
        header = jwt.get_unverified_header(value)
    except jwt.PyJWTError:  # also a plain token where a JWT belongs
        raise _jwt_failure("A JSON web token could not be decoded") from None
    found = req.hub.apps.get(int(claims["iss"])) if str(claims.get("iss", "")).isdigit() else None
    if found is None:
        raise _jwt_failure("'Issuer' claim ('iss') must be an Integer")
    if header.get("alg") != "RS256":
        raise _jwt_failure("A JSON web token could not be decoded")
    try:
        jwt.decode(
            value,
            found.public_key_pem,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise _jwt_failure(f"Integration {found.id} not found or JWT signature invalid") from None
    now = time.time()
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or iat > now + CLOCK_SLACK:
        raise _jwt_failure(
            "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
        )
    if not isinstance(exp, int) or exp <= now:
        raise _jwt_failure(EXPIRED)
    if exp > now + MAX_JWT_LIFE + CLOCK_SLACK:
        raise _jwt_failure("'Expiration time' claim ('exp') is too far in the future")
    return found
