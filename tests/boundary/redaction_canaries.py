"""Secret-shaped canaries built at test time (nothing secret-shaped is committed)."""

from __future__ import annotations

import base64
import secrets
import string

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def pem_key() -> str:
    body = base64.b64encode(secrets.token_bytes(600)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    kind = "RSA " + "PRIVATE KEY"
    return "\n".join([f"-----BEGIN {kind}-----", *lines, f"-----END {kind}-----"])


def jwt() -> str:
    head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    body = (
        base64.urlsafe_b64encode(('{"sub":"' + rand(12) + '","iat":1700000000}').encode())
        .decode()
        .rstrip("=")
    )
    return f"{head}.{body}.{rand(43, ALNUM + '-_')}"


def cases() -> list[tuple[str, str, str]]:
    """(line containing a secret, the secret, expected placeholder kind)."""
    gh = "gh" + "p_" + rand(36)
    aws_id = "AK" + "IA" + rand(16, string.ascii_uppercase + "234567")
    aws_secret = rand(40, ALNUM + "+/")
    slack = "xo" + "xb-" + rand(12, string.digits) + "-" + rand(12, string.digits) + "-" + rand(24)
    stripe = "sk" + "_live_" + rand(24)
    sendgrid = "SG" + "." + rand(22, ALNUM + "-_") + "." + rand(43, ALNUM + "-_")
    openai = "sk" + "-proj-" + rand(48, ALNUM + "-_")
    anthropic = "sk" + "-ant-api03-" + rand(93, ALNUM + "-_") + "AA"
    npm = "np" + "m_" + rand(36)
    pypi = "pypi-" + "AgEIcHlwaS5vcmc" + rand(60, ALNUM + "-_")
    postman = "PM" + "AK-" + rand(24, HEX) + "-" + rand(34, HEX)
    gcp = "AI" + "za" + rand(35, ALNUM + "-_")
    gitlab = "gl" + "pat-" + rand(20, ALNUM + "-_")
    twilio = "S" + "K" + rand(32, HEX)
    token = jwt()
    pw = rand(14)
    azure_key = base64.b64encode(secrets.token_bytes(64)).decode()
    sas = rand(43, ALNUM + "%")
    basic = base64.b64encode(("svc:" + pw).encode()).decode()
    return [
        (f"using {gh} to push", gh, "github-pat"),
        (f"aws_access_key_id = {aws_id}", aws_id, "aws-access-key-id"),
        (f"aws_secret_access_key = {aws_secret}", aws_secret, "secret"),
        (f"posting with {slack}", slack, "slack-token"),
        (f"stripe.api_key = '{stripe}'", stripe, "stripe-key"),
        (f"SENDGRID={sendgrid}", sendgrid, "sendgrid-api-key"),
        (f"OPENAI_API_KEY={openai}", openai, "openai-api-key"),
        (f"x-api-key: {anthropic}", anthropic, "anthropic-api-key"),
        (f"//registry.npmjs.org/:_authToken={npm}", npm, "npm-token"),
        (f"password = {pypi}", pypi, "pypi-token"),
        (f"postman key {postman}", postman, "postman-api-key"),
        (f"https://maps.googleapis.com/x?key={gcp}", gcp, "gcp-api-key"),
        (f"GITLAB_TOKEN={gitlab}", gitlab, "gitlab-token"),
        (f"twilio {twilio}", twilio, "twilio-api-key"),
        (f"Authorization: Bearer {token}", token, "jwt"),
        (f"Authorization: Basic {basic}", basic, "authorization"),
        (f"postgresql+psycopg2://airflow:{pw}@db.internal:5432/airflow", pw, "url-password"),
        (f"AIRFLOW_CONN_ORDERS_API='http://svc:{pw}@api.example.com:443/https'", pw, "url-password"),
        (f"GET /v1/items?page=2&access_token={pw}x HTTP/1.1", pw + "x", "url-credential"),
        (f"Cookie: theme=dark; sessionid={pw}zz", pw + "zz", "cookie"),
        (f"Set-Cookie: session={token}; Path=/; HttpOnly", token, "jwt"),
        (
            f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={azure_key};EndpointSuffix=core.windows.net",
            azure_key,
            "azure-connection-string",
        ),
        (f"https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sr=b&sig={sas}", sas, "url-credential"),
        (f'{{"client_secret": "{pw}Q9"}}', pw + "Q9", "client-secret"),
        (f"db_password: {pw}", pw, "password"),
        (f"curl -u admin:{pw} https://example.com", pw, "curl-auth"),
    ]
