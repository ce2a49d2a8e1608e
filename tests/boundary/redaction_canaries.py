"""Secret-shaped canaries built at test time (nothing secret-shaped is committed)."""

from __future__ import annotations

import base64
import json
import random
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


# Low-entropy values people really use as passwords: dictionary words with a digit or two.
_WORDS = ("summer", "welcome", "dragon", "monkey", "sunshine", "letmein", "bluebird", "orange", "harbor")


def weak(rng: random.Random | None = None) -> str:
    """A weak, dictionary-word password (low entropy: what entropy vetoes used to wave through)."""
    pick = rng or random.Random(secrets.randbits(32))
    return pick.choice(_WORDS) + str(pick.randrange(10, 9999))


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def event(text: str) -> str:
    """One Airflow 3 log line: an output line rendered as a JSON event."""
    return json.dumps({"timestamp": "2026-11-25T02:00:11.000000Z", "event": text, "level": "info"})


def _split(token: str, at: int) -> tuple[str, str]:
    return token[:at], token[at:]


def shapes() -> list[tuple[str, str, list[str]]]:
    """(class, text holding secrets, the secrets): every class of issue 14 item 3, several variants.

    A text is clean when none of its secrets (nor any half of a split one) is left in it.
    """
    pw, pw2, pw3 = rand(14), weak(), weak()
    gh = "gh" + "p_" + rand(36)
    bearer = rand(72, ALNUM + "-_")
    tok = rand(32)
    enc_pw = "p%40" + rand(6) + "%2F" + rand(5)  # p@…/… percent-encoded
    user_pass = "svc-" + rand(4) + ":" + weak()
    special = [
        "p@ss/w#rd" + rand(4),
        "it's&me" + rand(3),
        "a%2F" + rand(6) + "@x",
        rand(4) + "#&'/" + rand(4),
    ]
    jwt_token = jwt()
    word = weak()
    # Context-free base64 is decoded when padded (see agent/boundary/inbound/encoded.py).
    admin = "admin:" + weak()
    admin += "x" * (1 if len(admin) % 3 == 0 else 0)
    b1, b2 = _split(bearer, 40)
    g1, g2 = _split(gh, 22)
    j1, j2 = _split(jwt_token, len(jwt_token) // 2)
    k1, k2 = _split(tok + rand(32), 32)
    out: list[tuple[str, str, list[str]]] = [
        # JSON-escaped quotes: Airflow 3's REST source renders each log line as a JSON string
        ("json-escaped", '{\\"password\\": \\"' + pw + '\\"}', [pw]),
        ("json-escaped", '\\"api_key\\":\\"' + tok + '\\", \\"user\\": \\"bob\\"', [tok]),
        ("json-escaped", '{"event": "body {\\"client_secret\\": \\"' + pw2 + '\\"}"}', [pw2]),
        ("json-escaped", '{\\\\\\"token\\\\\\": \\\\\\"' + pw3 + '\\\\\\"}', [pw3]),
        ("json-escaped", "{\\'db_password\\': \\'" + pw2 + "\\'}", [pw2]),
        # secret-named keys whose value is weak or a dictionary word
        ("weak-value", f"PRIMARY_DB_PASSWORD={pw2}", [pw2]),
        ("weak-value", f"NON_PROD_API_KEY: {pw3}", [pw3]),
        ("weak-value", f"S3_BUCKET_SECRET_KEY={pw2}", [pw2]),
        ("weak-value", f'export REPLICA_DB_PASSWORD="{pw3}"', [pw3]),
        ("weak-value", f'{{"secret": "{word}"}}', [word]),
        ("weak-value", f"smtp_password = {pw2}", [pw2]),
        ("weak-value", f"keystore_password: {pw3}", [pw3]),
        # short key names
        ("short-key", f"pass={pw2}", [pw2]),
        ("short-key", f"pw: {pw3}", [pw3]),
        ("short-key", f"DB_PWD={pw2}", [pw2]),
        ("short-key", f"GET /login?user=bob&pwd={pw3} HTTP/1.1", [pw3]),
        ("short-key", f"sid={tok[:20]}", [tok[:20]]),
        ("short-key", f"userPass: {pw2}", [pw2]),
        # URL-encoded
        ("url-encoded", f"password={enc_pw}", [enc_pw]),
        ("url-encoded", f"body=%7B%22password%22%3A%22{pw2}%22%7D", [pw2]),
        ("url-encoded", f"payload=%7B%22api_key%22%3A%20%22{tok}%22%2C%22n%22%3A1%7D", [tok]),
        ("url-encoded", f"q=%27token%27%3A%27{pw3}%27", [pw3]),
        ("url-encoded", f"next=%2Flogin%3Fuser%3Dbob%26password%3D{pw2}%26x%3D1", [pw2]),
        # base64-encoded
        ("base64", f"creds={b64(user_pass)}", [b64(user_pass)]),
        ("base64", "payload " + b64('{"token": "' + gh + '"}'), [gh]),
        ("base64", "blob=" + b64('{"user": "svc", "password": "' + pw2 + '"}'), [pw2]),
        ("base64", f"X-Forward-Credentials: {b64(user_pass + 'x')}", [b64(user_pass + "x")]),
        ("base64", f"sending {b64(admin)} to the proxy", [b64(admin)]),
        # Basic auth under any header
        ("basic", f"X-Upstream-Auth: Basic {b64(user_pass)}", [b64(user_pass)]),
        ("basic", f"Proxy-Authorization: Basic {b64(user_pass)}", [b64(user_pass)]),
        ("basic", f'"headers": {{"X-Forwarded-Authorization": "Basic {b64(user_pass)}"}}', [b64(user_pass)]),
        ("basic", f"upstream_auth=Basic {b64(user_pass)}", [b64(user_pass)]),
        ("basic", f"sent basic {b64(user_pass)} upstream", [b64(user_pass)]),
        # connection URIs whose password holds @ / # % ' &
        ("uri", f"postgresql://user:{special[0]}@db:5432/x", [special[0]]),
        ("uri", f"mysql://u:{special[1]}@h/db", [special[1]]),
        ("uri", f"redis://:{special[2]}@cache:6379/0", [special[2]]),
        ("uri", f"conn='amqp://guest:{special[3]}@rabbit.internal/vhost'", [special[3]]),
        ("uri", f"mongodb+srv://admin:{special[0]}@cluster0.example.net/db?retryWrites=true", [special[0]]),
        # a token wrapped onto the next line
        ("split", f"Authorization: Bearer {b1}\n{b2}\nnext line", [b1, b2]),
        ("split", f"using token {g1}\n{g2} for the push", [g1, g2]),
        ("split", f"id_token={j1}\n    {j2}", [j1, j2]),
        ("split", f"X-Api-Key: {k1}\n{k2}", [k1, k2]),
        ("split", event(f"retrying with Authorization: Bearer {j1}") + "\n" + event(j2), [j1, j2]),
        ("split", event(f"pushing with {g1}") + "\n" + event(f"{g2} (attempt 2)"), [g1, g2]),
        ("split", event(f"Authorization: Bearer {b1}\n{b2}"), [b1, b2]),
    ]
    return out
